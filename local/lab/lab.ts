// A whole WalT lab on one machine, used by the local testbed and by the end-to-end tests alike: the
// segment's network namespace and bridge, a registry, the operator (in this process) and the boot agent
// (a child process inside the namespace, reaching the apiserver and the registry through loopback
// bridges). The agent runs as its segment's ServiceAccount walt-system/walt-agent-<segment>
// (impersonated; config/rbac and the segment's identity are applied first, ADR 0011). stop() takes
// everything down, virtual nodes included.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import { agentServiceAccountName, AGENT_NAMESPACE } from '../../api/rbac/segment-agent.js';
import { createOperator } from '../../operator/main.js';
import type { Manager } from '../../runtime/index.js';
import {
  bridgeApiserver,
  bridgeLoopbackPort,
  exposeNetnsPort,
  type ApiserverBridge,
} from './apiserver-bridge.js';
import { startRegistry, type TestRegistry } from './registry.js';
import { stopProcessGroup } from '../process-group.js';
import { applyIdentities, asServiceAccount } from './identity.js';
import { createNetwork, deleteNetwork, type LabNetwork } from './netns.js';
import { labDefaultImages } from './default-images.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

export interface LabOptions {
  kc: k8s.KubeConfig;
  /** Agent cache, logs and registry storage go here. */
  workDir: string;
  segment: string;
  network: LabNetwork;
  /** Extra arguments for the agent (e.g. --nfs-grace 2s). */
  agentArgs?: readonly string[];
  /** Where the operator watches (default: all namespaces). */
  namespace?: string;
  logLevel?: string;
  /** The registry's loopback port (default: a free one; the testbed's is TESTBED_REGISTRY_PORT). */
  registryPort?: number;
  /**
   * The operator creates the default image of each node model in use, from this lab's registry
   * (`<registry>/walt/<model>-default:latest`, default-images.ts). Default: it creates none.
   */
  defaultImages?: boolean;
}

export interface Lab {
  registry: TestRegistry;
  /** The agent's HTTP API as the host reaches it (published in the segment's status.agent.apiUrl). */
  agentApiUrl: string;
  agentLogFile: string;
  agentCacheDir: string;
  stop(): Promise<void>;
}

interface AgentPlaces {
  cacheDir: string;
  logFile: string;
  apiUrl: string;
}

function startAgent(options: LabOptions, places: AgentPlaces): ChildProcess {
  const { cacheDir, logFile } = places;
  // The agent talks to the lab's cluster, whatever KUBECONFIG this process was started with, as its
  // segment's ServiceAccount.
  const kubeconfig = path.join(options.workDir, 'agent.kubeconfig');
  const identity = asServiceAccount(options.kc, agentServiceAccountName(options.segment));
  writeFileSync(kubeconfig, identity.exportConfig(), { mode: 0o600 });
  const log = openSync(logFile, 'a');
  const args = [
    'netns',
    'exec',
    options.network.ns,
    path.join(ROOT, 'node_modules', '.bin', 'tsx'),
    path.join(ROOT, 'agents', 'main.ts'),
    '--segment',
    options.segment,
    '--boot',
    '--cache-dir',
    cacheDir,
    '--health-port',
    '0',
    '--lease-namespace',
    AGENT_NAMESPACE,
    '--identity',
    `lab-agent-${options.segment}`,
    '--api-url',
    places.apiUrl,
    ...(options.agentArgs ?? []),
  ];
  const child = spawn('ip', args, {
    env: { ...process.env, KUBECONFIG: kubeconfig, WALT_LOG_LEVEL: options.logLevel ?? 'info' },
    stdio: ['ignore', log, log],
    detached: true,
  });
  closeSync(log);
  return child;
}

export async function startLab(options: LabOptions): Promise<Lab> {
  const cleanups: Array<() => Promise<void>> = [];
  const stop = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups.length = 0;
  };
  try {
    await mkdir(options.workDir, { recursive: true });
    await applyIdentities(options.kc, [options.segment]);
    await createNetwork(options.network);
    cleanups.push(() => deleteNetwork(options.network.ns));
    const registry = await startRegistry(options.registryPort ? { port: options.registryPort } : {});
    cleanups.push(() => registry.stop());
    const bridges: ApiserverBridge[] = [
      await bridgeApiserver(options.network.ns, options.kc.getCurrentCluster()!.server),
      await bridgeLoopbackPort(options.network.ns, Number(registry.host.split(':')[1])),
    ];
    cleanups.push(async () => {
      for (const bridge of bridges) await bridge.stop();
    });
    const operator: Manager = createOperator({
      kc: options.kc,
      identity: `lab-operator-${options.segment}`,
      healthPort: 0,
      handleSignals: false,
      // The agent's API is relayed to loopback below: the operator may send its token there.
      agentUrlPolicy: { allowLoopback: true },
      defaultImages: options.defaultImages ? labDefaultImages(registry.host) : null,
      ...(options.namespace ? { namespace: options.namespace } : {}),
    });
    await operator.start();
    cleanups.push(() => operator.stop());
    // The host is not on the segment: the agent's API (port 80 of its segment address) is relayed to
    // a loopback port, which the agent publishes as its API URL.
    const api = await exposeNetnsPort(options.network.ns, options.network.address.split('/')[0]!, 80);
    cleanups.push(() => api.stop());
    const agentApiUrl = `http://127.0.0.1:${api.port}`;
    const agentCacheDir = path.join(options.workDir, 'agent');
    const agentLogFile = path.join(options.workDir, 'agent.log');
    const agent = startAgent(options, {
      cacheDir: agentCacheDir,
      logFile: agentLogFile,
      apiUrl: agentApiUrl,
    });
    // Stopped first (cleanups run in reverse), while the apiserver is still reachable; it stops its
    // virtual nodes on SIGTERM, and the namespace deletion catches any leftover.
    cleanups.push(() => stopProcessGroup(agent, { graceMs: 15_000 }));
    return { registry, agentApiUrl, agentLogFile, agentCacheDir, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The last `bytes` of the agent's log (for failure messages). */
export function tailOf(file: string, bytes = 6000): string {
  try {
    return readFileSync(file, 'utf8').slice(-bytes);
  } catch {
    return '';
  }
}
