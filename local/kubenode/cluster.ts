// One call for a whole local cluster with a kubelet node: a dummy interface with the node's private
// address, a control plane of its own (ephemeral, own instance dir and ports) whose apiserver binds
// and advertises that address (so pods reach it through the `kubernetes` Service), the node's
// processes, and a wait until the Node is Ready. stop() takes it all down and leaves nothing behind.
// One node per machine: a second start while the first's owner lives is refused; a crashed run's
// node (owner dead) is removed first.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { ensureBinaries } from '../controlplane/binaries.js';
import { startControlPlane, stopControlPlane } from '../controlplane/controlplane.js';
import type { InstanceState } from '../controlplane/instance.js';
import { kubectl } from '../controlplane/kubectl.js';
import { isRunning } from '../controlplane/processes.js';
import { nodeLaunchOf, NODE_COMPONENTS } from './components.js';
import type { NodeNetwork } from './config.js';
import { KubeNodeBusy, KubeNodeNotReady, KubeNodePodsNotAdmitted } from './errors.js';
import { claimMachine } from './claim.js';
import { createDummy, deleteLink } from './host.js';
import { defaultWorkDir, nodeDirs, type NodeDirs } from './layout.js';
import { ensurePauseImage } from './pause-image.js';
import { logFileOf, readNodeState, startKubeletNode, stopKubeletNode, type NodeState } from './node.js';
import { processAlive } from '../process-group.js';

export const DEFAULT_NETWORK: NodeNetwork & { dummy: string } = {
  bridge: 'waltkn-br0',
  dummy: 'waltkn-api0',
  podCidr: '172.30.77.0/24',
  nodeIp: '172.30.78.1',
};

export interface KubeNodeClusterOptions {
  nodeName?: string;
  /** Plain-HTTP registries (`127.0.0.1:<port>`) containerd pulls from. */
  registries?: readonly string[];
  network?: Partial<typeof DEFAULT_NETWORK>;
  workDir?: string;
  readyTimeoutMs?: number;
  /** How long to wait while another live process holds the machine's node (default 240 s). */
  busyWaitMs?: number;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

export interface KubeNodeCluster {
  controlPlane: InstanceState;
  kubeconfig: string;
  binDir: string;
  nodeName: string;
  dirs: NodeDirs;
  /** Milliseconds: control plane up, node processes up, then Node Ready; total includes pods admitted. */
  timings: { controlPlaneMs: number; nodeProcessesMs: number; readyMs: number; totalMs: number };
  stop(): Promise<void>;
}

function kubernetesVersion(): string {
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'versions.env');
  const match = /^KUBERNETES_VERSION=(\S+)$/m.exec(readFileSync(file, 'utf8'));
  if (!match?.[1]) throw new Error(`${file} names no KUBERNETES_VERSION`);
  return match[1];
}

/** Removes a previous node of this machine whose owner died (or refuses when it lives). */
export async function removeLeftovers(
  dirs: NodeDirs,
  network: typeof DEFAULT_NETWORK,
  options: { force?: boolean } = {},
): Promise<void> {
  const previous = await readNodeState(dirs);
  if (previous && !options.force && previous.ownerPid !== process.pid && processAlive(previous.ownerPid))
    throw KubeNodeBusy(previous.ownerPid, dirs.workDir);
  if (previous || existsSync(dirs.workDir) || existsSync(dirs.runDir)) await stopKubeletNode(dirs);
  if (previous) {
    await stopControlPlane(previous.controlPlane).catch(() => false);
    await deleteLink(previous.dummy);
    await deleteLink(previous.network.bridge);
  }
  await deleteLink(network.bridge);
  await deleteLink(network.dummy);
}

interface ReadyCondition {
  status: string;
  reason?: string;
  message?: string;
}

async function readyCondition(
  binDir: string,
  kubeconfig: string,
  node: string,
): Promise<ReadyCondition | undefined> {
  try {
    const { stdout } = await kubectl(binDir, kubeconfig, [
      'get',
      'node',
      node,
      '-o',
      'json',
      '--request-timeout=10s',
    ]);
    const conditions = (
      JSON.parse(stdout) as { status?: { conditions?: (ReadyCondition & { type: string })[] } }
    ).status?.conditions;
    return conditions?.find((c) => c.type === 'Ready');
  } catch {
    return undefined;
  }
}

async function waitReady(
  state: NodeState,
  cp: InstanceState,
  dirs: NodeDirs,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: ReadyCondition | undefined;
  for (;;) {
    last = await readyCondition(cp.binDir, cp.kubeconfig, state.nodeName);
    if (last?.status === 'True') return;
    for (const c of NODE_COMPONENTS) {
      if (!isRunning(state.pids[c], nodeLaunchOf(c, state.launch).binary))
        throw KubeNodeNotReady(
          state.nodeName,
          timeoutMs,
          `${c} exited: read ${logFileOf(dirs, c)}`,
          dirs.logDir,
        );
    }
    if (Date.now() > deadline) {
      const why = last
        ? `Ready=${last.status} ${last.reason ?? ''}: ${last.message ?? ''}`
        : 'the Node was never registered';
      throw KubeNodeNotReady(state.nodeName, timeoutMs, why, dirs.logDir);
    }
    await sleep(500);
  }
}

// Pods are refused until kube-controller-manager made the `default` ServiceAccount and the
// admission plugin's cache holds it: a server-side dry run of a pod answers when that is so.
async function waitPodsAdmitted(cp: InstanceState, timeoutMs: number): Promise<void> {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'walt-kubenode-probe', namespace: 'default' },
    spec: { containers: [{ name: 'probe', image: 'probe' }] },
  };
  const deadline = Date.now() + timeoutMs;
  let last: string;
  for (;;) {
    try {
      await kubectl(cp.binDir, cp.kubeconfig, ['create', '--dry-run=server', '-f', '-'], JSON.stringify(pod));
      return;
    } catch (error) {
      last = ((error as { stderr?: string }).stderr ?? (error as Error).message).trim();
    }
    if (Date.now() > deadline) throw KubeNodePodsNotAdmitted(timeoutMs, last);
    await sleep(500);
  }
}

/** Copies the node's and the control plane's logs out of their dirs (which stop deletes). */
async function saveLogs(dirs: NodeDirs, cp: InstanceState | undefined): Promise<string> {
  const to = await mkdtemp(path.join(os.tmpdir(), 'walt-kubenode-logs-'));
  await cp_(dirs.logDir, path.join(to, 'node'));
  if (cp) await cp_(path.join(cp.dir, 'logs'), path.join(to, 'controlplane'));
  return to;
}

async function cp_(from: string, to: string): Promise<void> {
  await cp(from, to, { recursive: true }).catch(() => undefined);
}

interface BringUp {
  options: KubeNodeClusterOptions;
  network: typeof DEFAULT_NETWORK;
  dirs: NodeDirs;
  nodeName: string;
  /** Set as soon as the control plane exists, so that a failure stops it. */
  onControlPlane: (cp: InstanceState) => void;
}

async function bringUp(input: BringUp): Promise<Omit<KubeNodeCluster, 'stop'>> {
  const { options, network, dirs, nodeName } = input;
  const started = Date.now();
  const say = options.log ?? ((): void => undefined);
  const timeoutMs = options.readyTimeoutMs ?? 180_000;
  await removeLeftovers(dirs, network);
  const binDir = await ensureBinaries();
  const pause = await ensurePauseImage(kubernetesVersion());
  await createDummy(network.dummy, network.nodeIp);
  const controlPlane = await startControlPlane({
    name: `kubenode-${process.pid}-${randomBytes(3).toString('hex')}`,
    binDir,
    ephemeral: true,
    ownerPid: process.pid,
    address: network.nodeIp,
  });
  input.onControlPlane(controlPlane);
  const controlPlaneMs = Date.now() - started;
  say(`control plane ${controlPlane.server} up in ${controlPlaneMs} ms`);
  const registries = options.registries ?? [];
  const state = await startKubeletNode({
    dirs,
    controlPlane,
    nodeName,
    network,
    dummy: network.dummy,
    registries,
    pause,
    binDir,
  });
  const nodeProcessesMs = Date.now() - started - controlPlaneMs;
  say(`node processes up in ${nodeProcessesMs} ms; waiting for ${nodeName} to be Ready`);
  await waitReady(state, controlPlane, dirs, timeoutMs);
  const readyMs = Date.now() - started - controlPlaneMs - nodeProcessesMs;
  await waitPodsAdmitted(controlPlane, timeoutMs);
  const totalMs = Date.now() - started;
  say(`node ${nodeName} Ready, pods admitted, ${totalMs} ms after the start`);
  const timings = { controlPlaneMs, nodeProcessesMs, readyMs, totalMs };
  return { controlPlane, kubeconfig: controlPlane.kubeconfig, binDir, nodeName, dirs, timings };
}

export async function startKubeNodeCluster(options: KubeNodeClusterOptions = {}): Promise<KubeNodeCluster> {
  const network = { ...DEFAULT_NETWORK, ...options.network };
  const dirs = nodeDirs(options.workDir ?? defaultWorkDir());
  const nodeName = options.nodeName ?? 'walt-kube-node';
  const release = await claimMachine(`${dirs.workDir}.claim`, options.busyWaitMs ?? 240_000);
  let controlPlane: InstanceState | undefined;
  const stop = async (): Promise<void> => {
    try {
      await stopKubeletNode(dirs, controlPlane?.kubeconfig);
      if (controlPlane) await stopControlPlane(controlPlane.name);
      await deleteLink(network.dummy);
    } finally {
      await release();
    }
  };
  try {
    const up = await bringUp({
      options,
      network,
      dirs,
      nodeName,
      onControlPlane: (cp) => (controlPlane = cp),
    });
    return { ...up, stop };
  } catch (error) {
    const saved = await saveLogs(dirs, controlPlane);
    await stop().catch(() => undefined);
    // The dirs named in the message are gone after stop(): the copy keeps the same file names.
    if (error instanceof Error)
      error.message += `\n(logs of the node and its control plane kept in ${saved})`;
    throw error;
  }
}
