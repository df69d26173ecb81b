// The informer survives an apiserver restart: on a private control plane (the shared one is never
// restarted), a controller runs while the apiserver stops and starts again; afterwards a new object is
// reconciled (the watch came back), and objects changed or deleted right after the restart, while the
// informer was still backing off, are reconciled too. A periodic relist re-reconciles unchanged objects.
import { randomBytes } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import { silentLogger } from '../../common/logger.js';
import {
  startComponent,
  startControlPlane,
  stopComponent,
  stopControlPlane,
} from '../../local/controlplane/controlplane.js';
import { installCrds } from '../../local/controlplane/crds.js';
import type { InstanceState } from '../../local/controlplane/instance.js';
import { type Controller, createController, createMetrics } from '../../runtime/index.js';
import { eventually, images, waltImages, type WaltImageObject } from './runtime-support.js';
import { binDir } from './support/cluster.js';

const RELIST_MS = 3000;

describe('operator runtime: informer recovery after an apiserver restart', () => {
  const name = `rt-relist-${randomBytes(3).toString('hex')}`;
  const namespace = 'relist';
  const reconciled: Array<{ name: string; generation: number }> = [];
  let state: InstanceState;
  let kc: k8s.KubeConfig;
  let controller: Controller<WaltImageObject>;

  const countFor = (n: string): number => reconciled.filter((r) => r.name === n).length;
  const sawGeneration = (n: string, generation: number): boolean =>
    reconciled.some((r) => r.name === n && r.generation === generation);

  beforeAll(async () => {
    state = await startControlPlane({ name, binDir: binDir(), ephemeral: true, ownerPid: process.pid });
    await installCrds(binDir(), state.kubeconfig);
    kc = new k8s.KubeConfig();
    kc.loadFromFile(state.kubeconfig);
    await kc.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
    controller = createController<WaltImageObject>({
      kc,
      name: 'relist-test',
      resource: waltImages,
      namespace,
      relistPeriodMs: RELIST_MS,
      informerRestartBackoff: { baseMs: 500, capMs: 2000, jitter: 0.2 },
      logger: silentLogger(),
      metrics: createMetrics({ defaultMetrics: false }),
      reconcile: (obj) => {
        reconciled.push({ name: obj.metadata!.name!, generation: obj.metadata!.generation! });
        return Promise.resolve();
      },
    });
    await controller.start();
    expect(await controller.informer.waitForSync(10_000)).toBe(true);
  }, 120_000);

  afterAll(async () => {
    await controller?.stop();
    await stopControlPlane(name);
  }, 60_000);

  it('re-reconciles unchanged objects at each periodic relist', async () => {
    // Given a reconciled object that does not change
    const api = images(kc);
    await api.create(namespace, 'steady');
    await eventually('steady reconciled', () => countFor('steady') >= 1);
    const before = countFor('steady');
    // When a relist period passes
    // Then it is reconciled again (resync)
    await eventually('steady resynced', () => countFor('steady') > before, RELIST_MS + 10_000);
  }, 30_000);

  it('recovers the watch after the apiserver restarts, and catches up on what changed meanwhile', async () => {
    const api = images(kc);
    // Given reconciled objects
    await api.create(namespace, 'changes');
    await api.create(namespace, 'goes-away');
    await eventually('both reconciled', () => countFor('changes') >= 1 && countFor('goes-away') >= 1);
    // When the apiserver stops and starts again (nothing created while it is down)
    await stopComponent(state, 'kube-apiserver');
    await new Promise((r) => setTimeout(r, 1000));
    await startComponent(state, 'kube-apiserver');
    // And, before the informer is back, one object changes and one is deleted
    await api.setRef(namespace, 'changes', 'busybox:1.37');
    await api.remove(namespace, 'goes-away');
    // Then the change is reconciled and the deletion reaches the cache
    await eventually('change reconciled', () => sawGeneration('changes', 2), 30_000);
    await eventually(
      'deletion seen',
      () => controller.informer.get('goes-away', namespace) === undefined,
      30_000,
    );
    // And an object created now is reconciled: the watch is running again
    await api.create(namespace, 'after-restart');
    await eventually('new object reconciled', () => countFor('after-restart') >= 1, 30_000);
  }, 60_000);
});
