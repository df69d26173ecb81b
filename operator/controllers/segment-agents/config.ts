// What the operator needs to run boot agents as DaemonSets, read from its environment (set by the
// chart, brief of issue 14): without WALT_AGENT_IMAGE it manages no agents (the process-mode testbed
// runs its own). Everything is checked here, once, at start: a bad value stops the operator with a
// coded error that names the variable, rather than producing pods the apiserver or kubelet refuse.
import type * as k8s from '@kubernetes/client-node';
import { DEFAULT_AGENT_API_PORT, DEFAULT_AGENT_CACHE_HOST_PATH } from '../../../api/agent/workload.js';
import { AgentConfigInvalid } from './errors.js';

export type LogStoreChoice = { kind: 'sqlite' } | { kind: 'postgres'; secret: { name: string; key: string } };

export interface AgentDeployConfig {
  image: string;
  pullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  /** Host directory; each segment's agent gets <cacheHostPath>/<segment>. */
  cacheHostPath: string;
  logStore: LogStoreChoice;
  tolerations: k8s.V1Toleration[];
  resources?: k8s.V1ResourceRequirements;
  apiPort: number;
  /** Virtual nodes' accelerator, forced (WALT_QEMU_ACCEL of the agent); unset: the agent probes KVM. */
  qemuAccel?: 'kvm' | 'tcg';
}

const PULL_POLICIES = new Set(['Always', 'IfNotPresent', 'Never']);
// Bounded before parsing: these come from a chart value, but a Helm typo can paste anything.
const MAX_JSON = 16_384;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]{1,253}$/;

function json(variable: string, value: string | undefined): unknown {
  if (value === undefined || value.trim() === '') return undefined;
  if (value.length > MAX_JSON) throw AgentConfigInvalid(variable, `longer than ${MAX_JSON} characters`);
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw AgentConfigInvalid(variable, 'not valid JSON');
  }
}

function tolerations(value: string | undefined): k8s.V1Toleration[] {
  const parsed = json('WALT_AGENT_TOLERATIONS', value) ?? [];
  if (
    !Array.isArray(parsed) ||
    !parsed.every((t) => typeof t === 'object' && t !== null && !Array.isArray(t))
  )
    throw AgentConfigInvalid('WALT_AGENT_TOLERATIONS', 'give a JSON array of tolerations');
  return parsed as k8s.V1Toleration[];
}

function resources(value: string | undefined): k8s.V1ResourceRequirements | undefined {
  const parsed = json('WALT_AGENT_RESOURCES', value);
  if (parsed === undefined) return undefined;
  const known = new Set(['limits', 'requests', 'claims']);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw AgentConfigInvalid('WALT_AGENT_RESOURCES', 'give a JSON object {requests, limits}');
  if (Object.keys(parsed).some((k) => !known.has(k)))
    throw AgentConfigInvalid('WALT_AGENT_RESOURCES', 'only requests and limits are allowed');
  return parsed;
}

function logStore(value: string | undefined): LogStoreChoice {
  if (value === undefined || value === '' || value === 'sqlite') return { kind: 'sqlite' };
  const match = /^secret:([^/]+)\/(.+)$/.exec(value);
  if (!match || !DNS_SUBDOMAIN.test(match[1]!) || !SECRET_KEY.test(match[2]!))
    throw AgentConfigInvalid(
      'WALT_AGENT_LOG_STORE',
      'give "sqlite" or "secret:<Secret name>/<key>" naming a Secret of walt-system that holds a postgres:// DSN',
    );
  return { kind: 'postgres', secret: { name: match[1]!, key: match[2]! } };
}

function port(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_AGENT_API_PORT;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw AgentConfigInvalid('WALT_AGENT_API_PORT', 'give a port number 1-65535');
  return n;
}

function cachePath(value: string | undefined): string {
  const dir = value && value !== '' ? value : DEFAULT_AGENT_CACHE_HOST_PATH;
  if (!dir.startsWith('/') || dir.split('/').includes('..') || dir.length > 1024)
    throw AgentConfigInvalid('WALT_AGENT_CACHE_HOST_PATH', 'give an absolute host path without ".."');
  return dir.replace(/\/+$/, '') || '/';
}

function imagePullPolicy(value: string | undefined): AgentDeployConfig['pullPolicy'] {
  if (value === undefined || value === '') return undefined;
  if (!PULL_POLICIES.has(value))
    throw AgentConfigInvalid('WALT_AGENT_IMAGE_PULL_POLICY', 'give Always, IfNotPresent or Never');
  return value as AgentDeployConfig['pullPolicy'];
}

function qemuAccel(value: string | undefined): 'kvm' | 'tcg' | undefined {
  if (value === undefined || value === '') return undefined;
  if (value !== 'kvm' && value !== 'tcg')
    throw AgentConfigInvalid('WALT_AGENT_QEMU_ACCEL', 'give kvm, tcg, or nothing (the agent probes KVM)');
  return value;
}

/** The agents' deployment from the operator's environment, or undefined: no WALT_AGENT_IMAGE. */
export function agentDeployConfig(env: NodeJS.ProcessEnv): AgentDeployConfig | undefined {
  const image = env.WALT_AGENT_IMAGE?.trim();
  if (!image) return undefined;
  if (image.length > 1024 || /\s/.test(image))
    throw AgentConfigInvalid(
      'WALT_AGENT_IMAGE',
      'give an image reference such as registry:5000/walt-agent:1.0',
    );
  const pullPolicy = imagePullPolicy(env.WALT_AGENT_IMAGE_PULL_POLICY);
  const resourceRequirements = resources(env.WALT_AGENT_RESOURCES);
  const accel = qemuAccel(env.WALT_AGENT_QEMU_ACCEL);
  return {
    image,
    ...(pullPolicy ? { pullPolicy } : {}),
    cacheHostPath: cachePath(env.WALT_AGENT_CACHE_HOST_PATH),
    logStore: logStore(env.WALT_AGENT_LOG_STORE),
    tolerations: tolerations(env.WALT_AGENT_TOLERATIONS),
    ...(resourceRequirements ? { resources: resourceRequirements } : {}),
    apiPort: port(env.WALT_AGENT_API_PORT),
    ...(accel ? { qemuAccel: accel } : {}),
  };
}
