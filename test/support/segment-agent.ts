// The real boot agent (agents/main.ts --boot) as the tests run it: its own process in the segment's
// network namespace, acting as its segment's ServiceAccount walt-system/walt-agent-<segment> (ADR 0011),
// exactly as in the lab (local/lab/lab.ts) and in a cluster. The test's admin credentials only set up:
// they apply config/rbac and the segment's identity, and write a kubeconfig that impersonates the
// ServiceAccount; the agent itself never holds them. So an agent operation its RBAC or the admission
// policy refuses fails the suite that needs it (and refusalsIn() names it), instead of passing on admin
// rights no installed agent has.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import { AGENT_NAMESPACE, agentServiceAccountName } from '../../api/rbac/segment-agent.js';
import { applyIdentities, asServiceAccount } from '../../local/lab/identity.js';
import { startIn, TSX, type RealProcess } from './fault-processes.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const AGENT_MAIN = path.join(root, 'agents', 'main.ts');

/**
 * Applies config/rbac and the identity of `segment`'s agent with the admin kubeconfig `admin`, and
 * writes `<dir>/agent-<segment>.kubeconfig`, which acts as that ServiceAccount. Returns its path.
 */
export async function agentKubeconfig(admin: k8s.KubeConfig, segment: string, dir: string): Promise<string> {
  await applyIdentities(admin, [segment]);
  const file = path.join(dir, `agent-${segment}.kubeconfig`);
  const identity = asServiceAccount(admin, agentServiceAccountName(segment));
  await writeFile(file, identity.exportConfig(), { mode: 0o600 });
  return file;
}

export interface SegmentAgentLaunch {
  /** The segment's network namespace (the agent owns its interface). */
  ns: string;
  segment: string;
  /** The ServiceAccount's kubeconfig (agentKubeconfig()). */
  kubeconfig: string;
  cacheDir: string;
  /** The agent's Lease holder identity (keep it across restarts, as a restarted container would). */
  identity: string;
  /** More flags, after the defaults (a flag given again here wins): --health-port, --nfs-grace… */
  args?: readonly string[];
  /** More environment (WALT_LOG_LEVEL is "info" unless given). */
  env?: NodeJS.ProcessEnv;
}

/** The agent's process, and what the apiserver refused it since it started. */
export interface SegmentAgent extends RealProcess {
  /**
   * Lines of its output that show the apiserver refusing it (RBAC's "forbidden: User", the admission
   * policy's WALT_ERR_AGENT_* codes), from its first line on (log() keeps only a tail):
   * an agent doing its job as its own ServiceAccount has none.
   */
  refusals(): string[];
}

/**
 * Starts the agent (does not wait for it). Its Lease and token Secret live in walt-system, the only
 * place its identity may hold them; its health server is on an ephemeral loopback port by default.
 */
export function launchSegmentAgent(launch: SegmentAgentLaunch): SegmentAgent {
  const args = [AGENT_MAIN, '--segment', launch.segment, '--boot', '--cache-dir', launch.cacheDir];
  args.push('--health-port', '0', '--lease-namespace', AGENT_NAMESPACE, '--identity', launch.identity);
  args.push(...(launch.args ?? []));
  const agent = startIn(`agent ${launch.segment}`, {
    ns: launch.ns,
    command: TSX,
    args,
    // The agent reads no other credentials: KUBECONFIG is its ServiceAccount's, and the system
    // namespace is the one its identity lives in whatever the test process was started with.
    env: {
      WALT_LOG_LEVEL: 'info',
      ...launch.env,
      KUBECONFIG: launch.kubeconfig,
      WALT_SYSTEM_NAMESPACE: AGENT_NAMESPACE,
    },
  });
  const refusals: string[] = [];
  onLines(agent, (line) => {
    if (APISERVER_REFUSAL.test(line)) refusals.push(line);
  });
  return { ...agent, refusals: () => [...refusals] };
}

// RBAC's and the admission policy's refusals. Not "forbidden: unable to create new content in
// namespace … being terminated": other suites share the apiserver and delete their namespaces.
const APISERVER_REFUSAL =
  /forbidden: (User "|ValidatingAdmissionPolicy)|WALT_ERR_AGENT_(FOREIGN|NODE|IMAGE|SEGMENT|SECRET|LEASE)/;

/** Calls `each` with every whole line `proc` writes (stdout and stderr) from now on. */
export function onLines(proc: RealProcess, each: (line: string) => void): void {
  for (const stream of [proc.child.stdout, proc.child.stderr]) {
    let rest = '';
    stream?.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) each(line);
    });
  }
}

/** A count of the lines of `proc`'s output matching `pattern` from now on (log() keeps only a tail). */
export function lineCounter(proc: RealProcess, pattern: RegExp): () => number {
  let count = 0;
  onLines(proc, (line) => {
    if (pattern.test(line)) count += 1;
  });
  return () => count;
}

export type SegmentAgentOptions = Omit<SegmentAgentLaunch, 'kubeconfig'> & {
  /** Admin credentials of the test, used only to apply the identity. */
  admin: k8s.KubeConfig;
  /** Where the agent's kubeconfig is written. */
  dir: string;
};

/** agentKubeconfig() then launchSegmentAgent(). */
export async function startSegmentAgent(options: SegmentAgentOptions): Promise<SegmentAgent> {
  const { admin, dir, ...launch } = options;
  const kubeconfig = await agentKubeconfig(admin, options.segment, dir);
  return launchSegmentAgent({ ...launch, kubeconfig });
}

/** `error` with the tail of the agent's output appended, for a failure message. */
export function withAgentLog(agent: RealProcess | undefined, error: unknown, chars = 5000): Error {
  const tail = agent ? agent.log().slice(-chars) : '(not started)';
  return new Error(`${(error as Error).message}\n--- agent log ---\n${tail}`);
}
