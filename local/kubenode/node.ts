// Starts and stops the local kubelet node: containerd, kubelet, kube-scheduler and kube-proxy as
// detached child processes of this machine (logs in <workDir>/logs, pids in <workDir>/state.json),
// joined to a local control plane whose apiserver listens on the node's private address.
// stopKubeletNode() removes every trace (see host.ts); a crashed run's node is removed the same way
// by the next start.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { waitHealthy } from '../controlplane/health.js';
import type { InstanceState } from '../controlplane/instance.js';
import { renderKubeconfig } from '../controlplane/kubeconfig.js';
import { kubectl } from '../controlplane/kubectl.js';
import { signClientCertificate } from '../controlplane/pki.js';
import { freePorts } from '../controlplane/ports.js';
import { isRunning, spawnDetached, stopProcess, tailOf } from '../controlplane/processes.js';
import {
  nodeLaunchOf,
  kubeconfigOf,
  NODE_COMPONENTS,
  type NodeComponent,
  type NodeLaunchInput,
} from './components.js';
import {
  cniConflist,
  containerdConfig,
  kubeletConfig,
  registryHostsToml,
  type NodeNetwork,
} from './config.js';
import { KubeNodeComponentFailed, KubeNodeMissingTool } from './errors.js';
import {
  chainsWithPrefix,
  deleteLink,
  isolatePods,
  removeChains,
  removeKubepodsCgroups,
  unmountUnder,
} from './host.js';
import type { NodeDirs } from './layout.js';
import type { PauseImage } from './pause-image.js';

const run = promisify(execFile);

export interface NodeState {
  ownerPid: number;
  nodeName: string;
  network: NodeNetwork;
  /** The dummy interface holding network.nodeIp (removed by the caller that made it). */
  dummy: string;
  controlPlane: string;
  launch: NodeLaunchInput;
  pids: Partial<Record<NodeComponent, number>>;
}

export interface StartNodeOptions {
  dirs: NodeDirs;
  controlPlane: InstanceState;
  nodeName: string;
  network: NodeNetwork;
  dummy: string;
  registries: readonly string[];
  pause: PauseImage;
  binDir: string;
}

export async function readNodeState(dirs: NodeDirs): Promise<NodeState | undefined> {
  try {
    return JSON.parse(await readFile(dirs.stateFile, 'utf8')) as NodeState;
  } catch {
    return undefined;
  }
}

async function writeNodeState(dirs: NodeDirs, state: NodeState): Promise<void> {
  await writeFile(dirs.stateFile, JSON.stringify(state, null, 2) + '\n');
}

export function logFileOf(dirs: NodeDirs, component: NodeComponent): string {
  return path.join(dirs.logDir, `${component}.log`);
}

function containerdBinary(): string {
  const binary = process.env.WALT_CONTAINERD ?? '/usr/bin/containerd';
  if (!existsSync(binary))
    throw KubeNodeMissingTool(
      'containerd',
      'apt-get install -y containerd runc (or run local/install-deps.sh)',
    );
  for (const tool of ['/usr/sbin/runc', '/usr/sbin/conntrack']) {
    if (!existsSync(tool))
      throw KubeNodeMissingTool(path.basename(tool), `apt-get install -y ${path.basename(tool)}`);
  }
  return binary;
}

async function writeConfigs(options: StartNodeOptions, launch: NodeLaunchInput): Promise<void> {
  const { dirs, network, controlPlane, registries, pause } = options;
  for (const dir of [
    dirs.configDir,
    dirs.logDir,
    dirs.pkiDir,
    dirs.cniConfDir,
    dirs.ipamDir,
    dirs.kubeletRoot,
    dirs.podLogsDir,
    dirs.containerdRoot,
    dirs.runDir,
  ])
    await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(path.join(dirs.configDir, 'containerd.toml'), containerdConfig(dirs, pause.ref));
  for (const registry of registries) {
    await mkdir(path.join(dirs.registryConfigDir, registry), { recursive: true });
    await writeFile(path.join(dirs.registryConfigDir, registry, 'hosts.toml'), registryHostsToml(registry));
  }
  await writeFile(path.join(dirs.cniConfDir, '10-walt-kubenode.conflist'), cniConflist(network, dirs));
  await writeFile(
    path.join(dirs.configDir, 'kubelet.yaml'),
    kubeletConfig(dirs, network, {
      caCert: controlPlane.pki.caCert,
      port: launch.ports.kubelet,
      healthzPort: launch.ports.kubeletHealthz,
    }),
  );
  const identities = {
    kubelet: `/O=system:nodes/CN=system:node:${options.nodeName}`,
    'kube-scheduler': '/CN=system:kube-scheduler',
    'kube-proxy': '/CN=system:kube-proxy',
  } as const;
  for (const [component, subject] of Object.entries(identities) as [keyof typeof identities, string][]) {
    const { cert, key } = await signClientCertificate(controlPlane.pki, dirs.pkiDir, {
      name: component,
      subject,
    });
    const kubeconfig = renderKubeconfig({
      server: controlPlane.server,
      caCert: controlPlane.pki.caCert,
      clientCert: cert,
      clientKey: key,
      user: component,
      context: component,
    });
    await writeFile(kubeconfigOf(dirs, component), kubeconfig, { mode: 0o600 });
  }
}

// Without the Node authorizer, RBAC alone authorizes kubelets: bind the built-in system:node role.
async function bindKubeletRole(options: StartNodeOptions): Promise<void> {
  const { binDir, controlPlane, nodeName } = options;
  const binding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: `walt-kubenode:${nodeName}` },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:node' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: `system:node:${nodeName}` }],
  };
  await kubectl(binDir, controlPlane.kubeconfig, ['apply', '-f', '-'], JSON.stringify(binding));
}

async function ctr(dirs: NodeDirs, args: string[]): Promise<string> {
  return (await run('ctr', ['--address', dirs.containerdSocket, ...args], { maxBuffer: 16 * 1024 * 1024 }))
    .stdout;
}

async function waitContainerd(dirs: NodeDirs, pid: number, binary: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await ctr(dirs, ['version']);
      return;
    } catch (error) {
      if (!isRunning(pid, binary)) throw new Error('containerd exited', { cause: error });
      if (Date.now() > deadline)
        throw new Error(`no answer on ${dirs.containerdSocket}: ${(error as Error).message}`, {
          cause: error,
        });
      await sleep(200);
    }
  }
}

async function startComponent(state: NodeState, dirs: NodeDirs, component: NodeComponent): Promise<void> {
  const launch = nodeLaunchOf(component, state.launch);
  const log = logFileOf(dirs, component);
  const pid = spawnDetached(launch.binary, launch.args, log);
  state.pids[component] = pid;
  await writeNodeState(dirs, state);
  try {
    if (component === 'containerd') await waitContainerd(dirs, pid, launch.binary);
    else if (launch.healthUrl)
      await waitHealthy(
        { url: launch.healthUrl, insecure: true },
        () => isRunning(pid, launch.binary),
        90_000,
      );
  } catch (error) {
    throw KubeNodeComponentFailed(component, (error as Error).message, log, tailOf(log, 30));
  }
}

/** Starts the node's processes; the caller waits for the Node to be Ready (cluster.ts). */
export async function startKubeletNode(options: StartNodeOptions): Promise<NodeState> {
  const { dirs } = options;
  const [kubelet, kubeletHealthz, scheduler, proxyHealthz, proxyMetrics] = (await freePorts(5)) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const launch: NodeLaunchInput = {
    dirs,
    network: options.network,
    ports: { kubelet, kubeletHealthz, scheduler, proxyHealthz, proxyMetrics },
    nodeName: options.nodeName,
    binDir: options.binDir,
    containerdBinary: containerdBinary(),
  };
  for (const b of ['kubelet', 'kube-scheduler', 'kube-proxy']) {
    if (!existsSync(path.join(options.binDir, b)))
      throw KubeNodeMissingTool(
        `${options.binDir}/${b}`,
        'run local/build-binaries.sh (it builds the node binaries too)',
      );
  }
  const state: NodeState = {
    ownerPid: process.pid,
    nodeName: options.nodeName,
    network: options.network,
    dummy: options.dummy,
    controlPlane: options.controlPlane.name,
    launch,
    pids: {},
  };
  await writeConfigs(options, launch);
  await writeNodeState(dirs, state);
  await bindKubeletRole(options);
  await isolatePods(options.network.podCidr, options.network.bridge);
  await startComponent(state, dirs, 'containerd');
  await ctr(dirs, ['-n', 'k8s.io', 'images', 'import', options.pause.archive]).catch((error: Error) => {
    throw KubeNodeComponentFailed(
      'containerd (pause image import)',
      error.message,
      logFileOf(dirs, 'containerd'),
      tailOf(logFileOf(dirs, 'containerd')),
    );
  });
  for (const component of NODE_COMPONENTS.slice(1)) await startComponent(state, dirs, component);
  return state;
}

/** Pids of every process in a kubepods cgroup (any hierarchy) and of the shims of our containerd. */
function leftoverPids(dirs: NodeDirs): number[] {
  const pids = new Set<number>();
  const walk = (dir: string): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    try {
      for (const p of readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n'))
        if (p) pids.add(Number(p));
    } catch {
      // not a cgroup dir
    }
    for (const e of entries) if (e.isDirectory()) walk(path.join(dir, e.name));
  };
  for (const c of readdirSync('/sys/fs/cgroup')) walk(path.join('/sys/fs/cgroup', c, 'kubepods'));
  walk('/sys/fs/cgroup/kubepods');
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (cmdline[0]?.includes('containerd-shim') && cmdline.includes(dirs.containerdSocket))
        pids.add(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  pids.delete(process.pid);
  return [...pids];
}

async function killLeftovers(dirs: NodeDirs): Promise<void> {
  for (let round = 0; round < 20; round++) {
    const pids = leftoverPids(dirs);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    await sleep(200);
  }
}

// Pods bound to the node are deleted through the API with the scheduler stopped (nothing takes their
// place), so the kubelet stops their sandboxes and the CNI plugins release their addresses.
async function drainPods(state: NodeState, controlPlaneKubeconfig: string): Promise<void> {
  const { binDir, nodeName } = state.launch;
  await kubectl(binDir, controlPlaneKubeconfig, [
    'delete',
    'pods',
    '--all-namespaces',
    `--field-selector=spec.nodeName=${nodeName}`,
    '--grace-period=2',
    '--wait=true',
    '--timeout=60s',
    '--request-timeout=10s',
  ]).catch(() => undefined);
}

/**
 * Stops the node and removes what it made on this machine. With the control plane's kubeconfig
 * (still running), pods are drained first; without (a crashed run), their processes are killed.
 */
export async function stopKubeletNode(dirs: NodeDirs, controlPlaneKubeconfig?: string): Promise<void> {
  const state = await readNodeState(dirs);
  if (state) {
    const stop = async (c: NodeComponent): Promise<void> => {
      await stopProcess(state.pids[c], nodeLaunchOf(c, state.launch).binary, 15_000);
    };
    await stop('kube-scheduler');
    const kubeletUp = isRunning(state.pids.kubelet, nodeLaunchOf('kubelet', state.launch).binary);
    if (controlPlaneKubeconfig && kubeletUp) await drainPods(state, controlPlaneKubeconfig);
    await stop('kube-proxy');
    await stop('kubelet');
  }
  await killLeftovers(dirs);
  if (state) await stopProcess(state.pids.containerd, state.launch.containerdBinary, 15_000);
  if (state) await proxyCleanup(state);
  await removeChains();
  for (const dir of [dirs.runDir, dirs.workDir]) await unmountUnder(dir);
  if (state) await deleteLink(state.network.bridge);
  await removeKubepodsCgroups();
  await rm(dirs.runDir, { recursive: true, force: true });
  await rm(dirs.workDir, { recursive: true, force: true });
}

async function proxyCleanup(state: NodeState): Promise<void> {
  const binary = nodeLaunchOf('kube-proxy', state.launch).binary;
  if ((await chainsWithPrefix(['KUBE-'])).length === 0) return;
  await run(binary, ['--cleanup', '--proxy-mode=iptables'], { timeout: 60_000 }).catch(() => undefined);
}
