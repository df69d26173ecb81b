// "Deleting a segment leaves no stuck finalizer", on the real apiserver: the operator, as its own
// ServiceAccount with config/rbac as shipped, removes from WaltImages and WaltNodes being deleted the
// agent finalizers (segment.walt.dev/<S>, vnode.walt.dev/<S>) of segments that do not exist, and only
// those: a live segment's finalizer stays until its segment goes. Each "stays" is checked on an object
// the controller has certainly seen (it removed the object's other, orphan finalizer in that pass).
import { randomBytes } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import { imageFinalizer, vnodeFinalizer } from '../../api/agent/finalizers.js';
import { RESOURCES, type WaltImage, type WaltNode } from '../../api/v1alpha1/index.js';
import { applyIdentities } from '../../local/lab/identity.js';
import { createOperator } from '../../operator/main.js';
import { ORPHAN_FINALIZER_REMOVED } from '../../operator/controllers/orphan-finalizers/controller.js';
import type { Manager } from '../../runtime/index.js';
import { waitFor } from '../support/wait.js';
import { impersonating, kubeConfig, testNamespace, uniqueName } from './support/cluster.js';

const mac = (): string =>
  `52:54:00:${[...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;

describe('the operator releases the agent finalizers of segments that are gone', () => {
  const admin = kubeConfig();
  const objects = admin.makeApiClient(k8s.CustomObjectsApi);
  const events = admin.makeApiClient(k8s.EventsV1Api);
  const live = uniqueName('of-live');
  const later = uniqueName('of-later');
  const gone = uniqueName('of-gone'); // never created
  const nodeNames: string[] = [];
  let operator: Manager | undefined;
  let ns: Awaited<ReturnType<typeof testNamespace>>;

  const createSegment = (name: string): Promise<unknown> =>
    objects.createClusterCustomObject({
      ...RESOURCES.segment,
      body: {
        apiVersion: 'walt.dev/v1alpha1',
        kind: 'WaltSegment',
        metadata: { name },
        spec: { interface: 'eno2', subnet: '10.82.0.0/22', serverAddress: '10.82.0.1' },
      },
    });

  const createImage = (name: string, finalizers: string[]): Promise<unknown> =>
    objects.createNamespacedCustomObject({
      ...RESOURCES.image,
      namespace: ns.name,
      body: {
        apiVersion: 'walt.dev/v1alpha1',
        kind: 'WaltImage',
        metadata: { name, finalizers },
        spec: { ref: `127.0.0.1:1/walt/${name}:latest` },
      },
    });
  const getImage = (name: string): Promise<WaltImage | undefined> =>
    (
      objects.getNamespacedCustomObject({
        ...RESOURCES.image,
        namespace: ns.name,
        name,
      }) as Promise<WaltImage>
    ).catch((error: unknown) => {
      if (error instanceof k8s.ApiException && error.code === 404) return undefined;
      throw error;
    });
  const deleteImage = (name: string): Promise<unknown> =>
    objects.deleteNamespacedCustomObject({ ...RESOURCES.image, namespace: ns.name, name });

  const createNode = (name: string, segment: string, finalizers: string[]): Promise<unknown> => {
    nodeNames.push(name);
    return objects.createClusterCustomObject({
      ...RESOURCES.node,
      body: {
        apiVersion: 'walt.dev/v1alpha1',
        kind: 'WaltNode',
        metadata: { name, finalizers },
        spec: {
          mac: mac(),
          model: 'pc-x86-64',
          segment,
          power: { driver: 'qemu' },
          virtual: { cpus: 1, memory: '256Mi' },
        },
      },
    });
  };
  const getNode = (name: string): Promise<WaltNode | undefined> =>
    (objects.getClusterCustomObject({ ...RESOURCES.node, name }) as Promise<WaltNode>).catch(
      (error: unknown) => {
        if (error instanceof k8s.ApiException && error.code === 404) return undefined;
        throw error;
      },
    );
  const deleteNode = (name: string): Promise<unknown> =>
    objects.deleteClusterCustomObject({ ...RESOURCES.node, name });

  /** Resolves once `read` finds the object gone. */
  const disappears = (what: string, read: () => Promise<unknown>): Promise<true> =>
    waitFor(`${what} gone`, async () => ((await read()) === undefined ? true : undefined));

  /** Resolves the object once its finalizers are exactly `finalizers`. */
  const finalizersBecome = <T extends k8s.KubernetesObject>(
    what: string,
    read: () => Promise<T | undefined>,
    finalizers: string[],
  ): Promise<T> =>
    waitFor(`${what} with finalizers ${finalizers.join(', ')}`, async () => {
      const object = await read();
      if (!object) throw new Error(`${what} disappeared while a live segment's finalizer was on it`);
      return JSON.stringify(object.metadata?.finalizers ?? []) === JSON.stringify(finalizers)
        ? object
        : undefined;
    });

  beforeAll(async () => {
    await applyIdentities(admin, []);
    ns = await testNamespace('of');
    await createSegment(live);
    await createSegment(later);
    operator = createOperator({
      kc: impersonating('walt-operator'),
      identity: 'orphan-finalizers-operator',
      healthPort: 0,
      handleSignals: false,
      namespace: ns.name,
      agents: null,
    });
    await operator.start();
  });

  afterAll(async () => {
    await operator?.stop();
    // Release what a failed test may have left, then delete it.
    for (const name of nodeNames)
      await objects
        .patchClusterCustomObject(
          { ...RESOURCES.node, name, body: [{ op: 'remove', path: '/metadata/finalizers' }] },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
        )
        .then(() => deleteNode(name))
        .catch(() => undefined);
    for (const segment of [live, later])
      await objects.deleteClusterCustomObject({ ...RESOURCES.segment, name: segment }).catch(() => undefined);
    await ns?.remove();
  });

  it('lets a deleted WaltImage go when the finalizer’s segment does not exist, with an Event', async () => {
    const name = uniqueName('img-orphan');
    await createImage(name, [imageFinalizer(gone)]);
    // A live object keeps it: only deletion releases an agent finalizer.
    await deleteImage(name);
    await disappears(`WaltImage ${name}`, () => getImage(name));
    const event = await waitFor('the OrphanFinalizerRemoved event', async () => {
      const list = await events.listNamespacedEvent({ namespace: ns.name });
      return list.items.find((e) => e.regarding?.name === name && e.reason === ORPHAN_FINALIZER_REMOVED);
    });
    expect(event.type).toBe('Normal');
    expect(event.note).toContain(imageFinalizer(gone));
    expect(event.reportingController).toBe('walt.dev/orphan-finalizers-images');
  });

  it('keeps a live segment’s finalizer on a deleted WaltImage, and others’ finalizers', async () => {
    const name = uniqueName('img-live');
    const keep = [imageFinalizer(live), 'example.com/keep'];
    await createImage(name, [imageFinalizer(gone), ...keep]);
    await deleteImage(name);
    // The orphan went in the pass that saw the live one: the controller saw it and kept it.
    await finalizersBecome(`WaltImage ${name}`, () => getImage(name), keep);
    // What the agent and the other owner would do: remove their finalizers.
    await objects.patchNamespacedCustomObject(
      {
        ...RESOURCES.image,
        namespace: ns.name,
        name,
        body: [{ op: 'remove', path: '/metadata/finalizers' }],
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
    );
    await disappears(`WaltImage ${name}`, () => getImage(name));
  });

  it('keeps a finalizer on an image that is not being deleted', async () => {
    const name = uniqueName('img-kept');
    const witness = uniqueName('img-witness');
    await createImage(name, [imageFinalizer(gone)]);
    await createImage(witness, [imageFinalizer(gone)]);
    await deleteImage(witness);
    await disappears(`WaltImage ${witness}`, () => getImage(witness));
    // Created before the witness, listed by the same informer: seen by now, and left alone.
    expect((await getImage(name))?.metadata.finalizers).toEqual([imageFinalizer(gone)]);
    await deleteImage(name);
    await disappears(`WaltImage ${name}`, () => getImage(name));
  });

  it('lets a deleted virtual WaltNode go when the vnode finalizer’s segment does not exist', async () => {
    const name = uniqueName('vn-orphan');
    await createNode(name, gone, [vnodeFinalizer(gone)]);
    await deleteNode(name);
    await disappears(`WaltNode ${name}`, () => getNode(name));
  });

  it('keeps a live segment’s vnode finalizer until that segment is deleted', async () => {
    const name = uniqueName('vn-live');
    await createNode(name, later, [vnodeFinalizer(gone), vnodeFinalizer(later)]);
    await deleteNode(name);
    await finalizersBecome(`WaltNode ${name}`, () => getNode(name), [vnodeFinalizer(later)]);
    // The segment goes after the node was Terminating: its deletion re-queues the node.
    await objects.deleteClusterCustomObject({ ...RESOURCES.segment, name: later });
    await disappears(`WaltNode ${name}`, () => getNode(name));
  });
});
