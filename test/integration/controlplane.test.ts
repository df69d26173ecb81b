// The local control plane itself: a second instance beside the run's one, restart of the apiserver
// with data kept, and reaping of instances whose owner died. Runs the real binaries.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import {
  componentStatus,
  readState,
  reapOrphans,
  startComponent,
  startControlPlane,
  stopComponent,
  stopControlPlane,
} from '../../local/controlplane/controlplane.js';
import { probe } from '../../local/controlplane/health.js';
import type { InstanceState } from '../../local/controlplane/instance.js';
import { binDir } from './support/cluster.js';

function clientFor(state: InstanceState): k8s.CoreV1Api {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(state.kubeconfig);
  return kc.makeApiClient(k8s.CoreV1Api);
}

/** A process that exits at once: its pid is an owner that is gone. */
function deadPid(): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn('true');
    child.on('exit', () => resolve(child.pid!));
  });
}

describe('local control plane', () => {
  const name = `cp-${randomBytes(3).toString('hex')}`;
  let state: InstanceState;

  beforeAll(async () => {
    state = await startControlPlane({ name, binDir: binDir(), ephemeral: true, ownerPid: process.pid });
  }, 120000);
  afterAll(async () => {
    await stopControlPlane(name);
  });

  it('runs beside the test run’s own control plane on its own ports, with RBAC on', async () => {
    expect(state.server).not.toBe(new k8s.KubeConfig().getCurrentCluster()?.server);
    expect(componentStatus(state)).toEqual({
      etcd: 'running',
      'kube-apiserver': 'running',
      'kube-controller-manager': 'running',
    });
    // Anonymous requests are authenticated as system:anonymous and RBAC forbids listing namespaces.
    expect(await probe({ url: `${state.server}/api/v1/namespaces`, caFile: state.pki.caCert })).toBe(403);
  });

  it('keeps its data when the apiserver restarts', async () => {
    const core = clientFor(state);
    await core.createNamespace({ body: { metadata: { name: 'survives-restart' } } });
    await stopComponent(state, 'kube-apiserver');
    expect(componentStatus(state)['kube-apiserver']).toBe('stopped');
    await startComponent(state, 'kube-apiserver');
    const ns = await core.readNamespace({ name: 'survives-restart' });
    expect(ns.metadata?.name).toBe('survives-restart');
    // The controller manager, which may exit when the apiserver vanishes during its start, is running again.
    expect(componentStatus(state)['kube-controller-manager']).toBe('running');
  }, 120000);

  it('runs the controller manager: a new namespace gets its default service account', async () => {
    const core = clientFor(state);
    await core.createNamespace({ body: { metadata: { name: 'gets-sa' } } });
    const deadline = Date.now() + 30000;
    for (;;) {
      const sa = await core
        .readNamespacedServiceAccount({ name: 'default', namespace: 'gets-sa' })
        .catch(() => undefined);
      if (sa) break;
      if (Date.now() > deadline) {
        throw new Error(
          `no default service account after 30 s; components: ${JSON.stringify(componentStatus(state))}`,
        );
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }, 60000);

  it('reaps an ephemeral instance whose owner process died', async () => {
    const orphan = `orphan-${randomBytes(3).toString('hex')}`;
    const orphanState = await startControlPlane({
      name: orphan,
      binDir: binDir(),
      ephemeral: true,
      ownerPid: await deadPid(),
    });
    expect(componentStatus(orphanState).etcd).toBe('running');
    expect(await reapOrphans()).toContain(orphan);
    expect(componentStatus(orphanState)).toEqual({
      etcd: 'stopped',
      'kube-apiserver': 'stopped',
      'kube-controller-manager': 'stopped',
    });
    expect(await readState(orphan)).toBeUndefined();
  }, 120000);
});
