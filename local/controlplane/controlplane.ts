// Start, stop and inspect a local control plane: etcd + kube-apiserver + kube-controller-manager.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { apiserverAddress, COMPONENTS, launchOf, LOOPBACK, type Component } from './components.js';
import { waitHealthy } from './health.js';
import {
  ensureInstanceDirs,
  instanceDir,
  listInstances,
  logFile,
  readState,
  removeInstanceDir,
  writeState,
  type InstanceState,
} from './instance.js';
import { renderKubeconfig } from './kubeconfig.js';
import { createPki } from './pki.js';
import { freePorts } from './ports.js';
import { isRunning, spawnDetached, stopProcess, tailOf } from './processes.js';

export interface StartOptions {
  name: string;
  binDir: string;
  ephemeral?: boolean;
  ownerPid?: number;
  /**
   * Address the apiserver binds and advertises (default loopback). A non-loopback private address
   * (a dummy interface's) lets pods reach it through the `kubernetes` Service; it must already be
   * configured on this machine. Fixed when the instance is created.
   */
  address?: string;
}

export type ComponentStatus = Record<Component, 'running' | 'stopped'>;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function componentStatus(state: InstanceState): ComponentStatus {
  const status = {} as ComponentStatus;
  for (const c of COMPONENTS)
    status[c] = isRunning(state.pids[c], launchOf(c, state).binary) ? 'running' : 'stopped';
  return status;
}

async function createInstance(options: StartOptions): Promise<InstanceState> {
  const dir = instanceDir(options.name);
  await ensureInstanceDirs(dir);
  const [etcdClient, etcdPeer, apiserver, controllerManager] = (await freePorts(4)) as [
    number,
    number,
    number,
    number,
  ];
  const address = options.address ?? LOOPBACK;
  const pki = await createPki(path.join(dir, 'pki'), [address]);
  const server = `https://${address}:${apiserver}`;
  const state: InstanceState = {
    name: options.name,
    dir,
    binDir: options.binDir,
    ephemeral: options.ephemeral ?? false,
    ...(options.ownerPid ? { ownerPid: options.ownerPid } : {}),
    ...(address !== LOOPBACK ? { address } : {}),
    ports: { etcdClient, etcdPeer, apiserver, controllerManager },
    pids: {},
    pki,
    kubeconfig: path.join(dir, 'kubeconfig'),
    server,
    startedAt: new Date().toISOString(),
  };
  await writeFile(
    state.kubeconfig,
    renderKubeconfig({
      server,
      caCert: pki.caCert,
      clientCert: pki.adminCert,
      clientKey: pki.adminKey,
      user: 'walt-admin',
      context: `walt-${options.name}`,
    }),
    { mode: 0o600 },
  );
  await writeFile(
    path.join(dir, 'controller-manager.kubeconfig'),
    renderKubeconfig({
      server,
      caCert: pki.caCert,
      clientCert: pki.controllerManagerCert,
      clientKey: pki.controllerManagerKey,
      user: 'system:kube-controller-manager',
      context: 'controller-manager',
    }),
    { mode: 0o600 },
  );
  return state;
}

/**
 * Starts a component (if not running) and waits until it is healthy, then restarts any component
 * that depends on it and has died meanwhile: kube-controller-manager exits when the apiserver
 * vanishes while it is still starting its controllers (a kubelet would restart it; we do).
 */
export async function startComponent(state: InstanceState, component: Component): Promise<void> {
  await startOne(state, component);
  for (const dependent of COMPONENTS.slice(COMPONENTS.indexOf(component) + 1)) {
    if (state.pids[dependent] !== undefined) await startOne(state, dependent);
  }
}

async function startOne(state: InstanceState, component: Component): Promise<void> {
  const launch = launchOf(component, state);
  if (isRunning(state.pids[component], launch.binary)) return;
  const log = logFile(state, component);
  const pid = spawnDetached(launch.binary, launch.args, log);
  state.pids[component] = pid;
  await writeState(state);
  try {
    await waitHealthy(launch.health, () => isRunning(pid, launch.binary), launch.startTimeoutMs);
  } catch (error) {
    throw new Error(
      `${component} did not start: ${(error as Error).message}\n--- ${log} ---\n${tailOf(log)}`,
      {
        cause: error,
      },
    );
  }
}

export async function stopComponent(state: InstanceState, component: Component): Promise<void> {
  await stopProcess(state.pids[component], launchOf(component, state).binary);
  delete state.pids[component];
  await writeState(state);
}

/** Starts (or resumes) the named instance; idempotent. Returns its state. */
export async function startControlPlane(options: StartOptions): Promise<InstanceState> {
  await reapOrphans();
  let state = await readState(options.name);
  if (state && state.binDir !== options.binDir) {
    // The binaries changed (new pinned versions): restart the components from the new ones.
    await stopControlPlane(options.name);
    state.binDir = options.binDir;
  }
  state ??= await createInstance(options);
  if (apiserverAddress(state) !== (options.address ?? LOOPBACK)) {
    throw new Error(
      `control plane "${options.name}" was created with apiserver address ${apiserverAddress(state)}; ` +
        `delete it first (controlplane down --name ${options.name} --purge) to use ${options.address ?? LOOPBACK}`,
    );
  }
  await writeState(state);
  try {
    for (const component of COMPONENTS) await startOne(state, component);
  } catch (error) {
    if (state.ephemeral) await stopControlPlane(options.name);
    throw error;
  }
  return state;
}

/** Stops every component; with `purge` (always for ephemeral instances) also deletes its data. */
export async function stopControlPlane(name: string, options: { purge?: boolean } = {}): Promise<boolean> {
  const state = await readState(name);
  if (!state) return false;
  for (const component of [...COMPONENTS].reverse()) await stopComponent(state, component);
  if (state.ephemeral || options.purge) await removeInstanceDir(state.dir);
  return true;
}

/** Stops ephemeral instances whose owning process has died (a test run that crashed). */
export async function reapOrphans(): Promise<string[]> {
  const reaped: string[] = [];
  for (const name of await listInstances()) {
    const state = await readState(name);
    if (state?.ephemeral && state.ownerPid && !isAlive(state.ownerPid)) {
      await stopControlPlane(name);
      reaped.push(name);
    }
  }
  return reaped;
}

export { readState };
