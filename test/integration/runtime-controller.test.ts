// The reconcile runtime against the real kube-apiserver: a controller over WaltImages in a namespace
// reconciles create/update/delete, writes status by server-side apply, holds a finalizer until
// `finalize` ran, records Events and retries failures with a growing delay.
import * as k8s from '@kubernetes/client-node';
import { defineError } from '../../common/errors.js';
import { silentLogger } from '../../common/logger.js';
import {
  type Controller,
  createApplier,
  createController,
  createEventRecorder,
  createFinalizers,
  createMetrics,
  createStatusWriter,
  type ReconcileContext,
  setCondition,
  withOwner,
} from '../../runtime/index.js';
import { eventually, images, waltImages, type WaltImageObject } from './runtime-support.js';
import { kubeConfig, testNamespace, uniqueName } from './support/cluster.js';

const FINALIZER = 'walt.dev/runtime-test';
const MANAGER = 'walt-runtime-test';
const ERR_NOT_YET = defineError('WALT_ERR_TEST_NOT_YET', (n: number) => `attempt ${n} fails on purpose`, 503);

interface Seen {
  name: string;
  generation: number;
  ref: string;
  retries: number;
  at: number;
}

describe('operator runtime: controller against a real apiserver', () => {
  const kc = kubeConfig();
  const api = images(kc);
  const events = kc.makeApiClient(k8s.EventsV1Api);
  const metrics = createMetrics({ defaultMetrics: false });
  const seen: Seen[] = [];
  const finalized: string[] = [];
  /** Objects whose finalize was entered (it may still wait on the gate). */
  const finalizing: string[] = [];
  const finalizeGate: { wait?: Promise<void>; open?: () => void } = {};
  const flakyAttempts = new Map<string, number>();
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  let controller: Controller<WaltImageObject>;

  async function reconcile(obj: WaltImageObject, ctx: ReconcileContext<WaltImageObject>): Promise<void> {
    const name = obj.metadata!.name!;
    seen.push({
      name,
      generation: obj.metadata!.generation!,
      ref: obj.spec.ref,
      retries: ctx.retries,
      at: Date.now(),
    });
    const attempt = (flakyAttempts.get(name) ?? 0) + 1;
    flakyAttempts.set(name, attempt);
    if (name.startsWith('flaky-') && attempt <= 4) throw ERR_NOT_YET(attempt);
    const conditions = setCondition(
      obj.status?.conditions as never,
      { type: 'Ready', status: 'True', reason: 'Reconciled', message: `ref ${obj.spec.ref}` },
      obj.metadata!.generation,
    );
    await ctx.status.apply({ observedGeneration: obj.metadata!.generation, conditions });
    await ctx.events.normal('Reconciled', `reconciled ${obj.spec.ref}`);
  }

  beforeAll(async () => {
    ns = await testNamespace('rt-ctl');
    controller = createController<WaltImageObject>({
      kc,
      name: 'runtime-test',
      resource: waltImages,
      namespace: ns.name,
      logger: silentLogger(),
      metrics,
      identity: 'test-replica',
      reconcile,
      finalizer: {
        name: FINALIZER,
        async finalize(obj) {
          finalizing.push(obj.metadata!.name!);
          await finalizeGate.wait;
          finalized.push(obj.metadata!.name!);
          // Another object's change wakes it again while the finalizer is being removed.
          if (obj.metadata!.name!.startsWith('woken-'))
            controller.enqueue(`${ns.name}/${obj.metadata!.name!}`);
        },
      },
    });
    await controller.start();
    expect(await controller.informer.waitForSync(10_000)).toBe(true);
  });

  afterAll(async () => {
    await controller?.stop();
    await ns?.remove();
  });

  const reconciledAt = (name: string, generation: number) =>
    eventually(`${name} reconciled at generation ${generation}`, async () => {
      const obj = await api.get(ns.name, name);
      return obj?.status?.observedGeneration === generation ? obj : undefined;
    });

  it('reconciles a new object: finalizer first, then status by server-side apply on /status', async () => {
    // Given a new WaltImage
    const name = uniqueName('img');
    await api.create(ns.name, name);
    // When the controller has reconciled it
    const obj = await reconciledAt(name, 1);
    // Then it carries our finalizer and a Ready condition for generation 1
    expect(obj.metadata?.finalizers).toContain(FINALIZER);
    expect(obj.status?.conditions).toEqual([
      expect.objectContaining({ type: 'Ready', status: 'True', reason: 'Reconciled', observedGeneration: 1 }),
    ]);
    // And the status fields are owned by our field manager, through an Apply on the status subresource
    const entry = obj.metadata?.managedFields?.find(
      (f) => f.manager === MANAGER && f.subresource === 'status',
    );
    expect(entry).toMatchObject({ operation: 'Apply', subresource: 'status' });
    expect(JSON.stringify(entry?.fieldsV1)).toContain('f:conditions');
  });

  it('reconciles an update; lastTransitionTime stays while Ready stays True', async () => {
    // Given a reconciled object
    const name = uniqueName('img');
    await api.create(ns.name, name);
    const first = await reconciledAt(name, 1);
    // When its spec changes
    await api.setRef(ns.name, name, 'busybox:1.37');
    // Then it is reconciled again for generation 2, with the new spec
    const second = await reconciledAt(name, 2);
    expect(second.status?.conditions?.[0]).toMatchObject({
      message: 'ref busybox:1.37',
      observedGeneration: 2,
    });
    expect(second.status?.conditions?.[0]?.lastTransitionTime).toBe(
      first.status?.conditions?.[0]?.lastTransitionTime,
    );
    expect(seen.some((s) => s.name === name && s.generation === 2 && s.ref === 'busybox:1.37')).toBe(true);
  });

  it('on deletion runs finalize, and the object goes only after it resolved', async () => {
    // Given a reconciled object and a finalize that waits
    const name = uniqueName('img');
    await api.create(ns.name, name);
    await reconciledAt(name, 1);
    finalizeGate.wait = new Promise((resolve) => (finalizeGate.open = resolve));
    // When it is deleted
    await api.remove(ns.name, name);
    // Then it stays (deletionTimestamp set, finalizer held) while finalize runs
    const pending = await eventually('deletionTimestamp', async () => {
      const obj = await api.get(ns.name, name);
      return obj?.metadata?.deletionTimestamp ? obj : undefined;
    });
    expect(pending.metadata?.finalizers).toContain(FINALIZER);
    // (finalize entered, and held at the gate: the controller is at the point the claim is about)
    await eventually('finalize entered', () => finalizing.includes(name));
    expect(await api.get(ns.name, name)).toBeDefined();
    expect(finalized).not.toContain(name);
    // When finalize completes
    finalizeGate.open!();
    // Then the finalizer is removed and the object is gone
    await eventually('object gone', async () => (await api.get(ns.name, name)) === undefined);
    expect(finalized).toContain(name);
    finalizeGate.wait = undefined;
  });

  it('runs finalize once, even when woken again before the deletion reaches its cache', async () => {
    const name = uniqueName('woken');
    await api.create(ns.name, name);
    await reconciledAt(name, 1);
    await api.remove(ns.name, name);
    await eventually('object gone', async () => (await api.get(ns.name, name)) === undefined);
    // Positive evidence that the controller is past every wake of it: the deletion is in its cache,
    // and an object created afterwards was reconciled (one worker, keys in order).
    await eventually('the deletion in the cache', () => !controller.informer.get(name, ns.name));
    const later = uniqueName('later');
    await api.create(ns.name, later);
    await reconciledAt(later, 1);
    expect(finalized.filter((n) => n === name)).toEqual([name]);
  });

  it('records Events about the object (events.k8s.io/v1)', async () => {
    const name = uniqueName('img');
    await api.create(ns.name, name);
    const obj = await reconciledAt(name, 1);
    const event = await eventually('an event', async () => {
      const list = await events.listNamespacedEvent({ namespace: ns.name });
      return list.items.find((e) => e.regarding?.uid === obj.metadata?.uid);
    });
    expect(event).toMatchObject({
      type: 'Normal',
      reason: 'Reconciled',
      note: 'reconciled busybox:1.36',
      reportingController: 'walt.dev/runtime-test',
      reportingInstance: 'test-replica',
      regarding: { kind: 'WaltImage', name, namespace: ns.name },
    });
  });

  it('retries a failing reconcile with a growing delay, then succeeds', async () => {
    // Given an object whose first four reconciles fail (created with our finalizer, so that adding it
    // does not cause an immediate extra reconcile through its update event)
    const name = uniqueName('flaky');
    await api.create(ns.name, name, 'busybox:1.36', [FINALIZER]);
    // When the controller keeps at it
    await reconciledAt(name, 1);
    // Then each retry came after a delay that grew from the 200 ms base, doubling (jitter ≤ 20 % shorter)
    const attempts = seen.filter((s) => s.name === name);
    expect(attempts.slice(0, 5).map((s) => s.retries)).toEqual([0, 1, 2, 3, 4]);
    const times = attempts.map((s) => s.at);
    const gaps = times.slice(1, 5).map((t, i) => t - times[i]!);
    gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(0.8 * 200 * 2 ** i - 5));
    expect(gaps[3]!).toBeGreaterThan(gaps[0]!);
    // And the failures were counted by code
    const errors = await metrics.reconcileErrors.get();
    const count = errors.values.find((v) => v.labels.code === 'WALT_ERR_TEST_NOT_YET')?.value;
    expect(count).toBe(4);
  });
});

describe('operator runtime: optimistic concurrency and event aggregation', () => {
  const kc = kubeConfig();
  const api = images(kc);
  let ns: Awaited<ReturnType<typeof testNamespace>>;

  beforeAll(async () => {
    ns = await testNamespace('rt-occ');
  });
  afterAll(async () => {
    await ns?.remove();
  });

  it('a guarded status write from a stale copy conflicts, re-reads and applies to the fresh object', async () => {
    // Given a stale copy of an object that changed since
    const name = uniqueName('img');
    const stale = await api.create(ns.name, name);
    await api.setRef(ns.name, name, 'busybox:1.37');
    const writer = createStatusWriter<WaltImageObject>({
      kc,
      resource: waltImages,
      fieldManager: MANAGER,
      logger: silentLogger(),
    });
    const generations: number[] = [];
    // When its status is written with the resourceVersion guard, computed from the object
    const written = await writer.apply(
      stale,
      (current) => {
        generations.push(current.metadata!.generation!);
        return { observedGeneration: current.metadata!.generation };
      },
      { guard: true },
    );
    // Then the first try (stale, generation 1) conflicted and the retry used generation 2
    expect(generations).toEqual([1, 2]);
    expect(written.status?.observedGeneration).toBe(2);
  });

  it('a finalizer added from a stale copy does not drop a finalizer another writer set', async () => {
    // Given a stale copy, and another writer that added its own finalizer since
    const name = uniqueName('img');
    const stale = await api.create(ns.name, name);
    const finalizers = createFinalizers<WaltImageObject>(kc, waltImages);
    await finalizers.add(stale, 'walt.dev/other');
    // When we add ours from the stale copy
    const after = await finalizers.add(stale, FINALIZER);
    // Then both are there
    expect(after.metadata?.finalizers).toEqual(['walt.dev/other', FINALIZER]);
    // When another writer adds a third, and we remove ours from our now stale copy
    await finalizers.add(after, 'walt.dev/third');
    const removed = await finalizers.remove(after, FINALIZER);
    // Then only ours is gone
    expect(removed.metadata?.finalizers).toEqual(['walt.dev/other', 'walt.dev/third']);
    await finalizers.remove(await finalizers.remove(removed, 'walt.dev/other'), 'walt.dev/third');
  });

  it('aggregates repeats of an event into one Event with a series count', async () => {
    // Given an object and a recorder writing series at most every 100 ms
    const obj = await api.create(ns.name, uniqueName('img'));
    const recorder = createEventRecorder({
      kc,
      reportingController: 'walt.dev/runtime-test',
      reportingInstance: 'test-replica',
      logger: silentLogger(),
      seriesFlushMs: 100,
    });
    // When the same event is recorded 25 times in a hot loop
    await Promise.all(
      Array.from({ length: 25 }, () =>
        recorder.record(obj, { type: 'Warning', reason: 'Hot', note: 'again' }),
      ),
    );
    await recorder.close();
    // Then there is one Event, counting 25
    const list = await kc.makeApiClient(k8s.EventsV1Api).listNamespacedEvent({ namespace: ns.name });
    const hot = list.items.filter((e) => e.regarding?.uid === obj.metadata?.uid && e.reason === 'Hot');
    expect(hot).toHaveLength(1);
    expect(hot[0]?.series?.count).toBe(25);
  });

  it('applies a child object server-side, owned by its parent; fields no longer sent are removed', async () => {
    // Given a parent image and an applier with our field manager
    const parent = await api.create(ns.name, uniqueName('img'));
    const applier = createApplier(kc, MANAGER);
    const child = (data: Record<string, string>): k8s.V1ConfigMap =>
      withOwner<k8s.V1ConfigMap>(
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: `${parent.metadata!.name}-cfg`, namespace: ns.name },
          data,
        },
        parent,
      );
    // When a child is applied with two keys, then with one
    const first = await applier.apply(child({ a: '1', b: '2' }));
    const second = await applier.apply(child({ a: '1' }));
    // Then it is owned by the parent (as controller), managed by us, and the dropped key is gone
    expect(first.metadata?.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'WaltImage', uid: parent.metadata!.uid, controller: true }),
    ]);
    expect(second.data).toEqual({ a: '1' });
    expect(second.metadata?.managedFields?.find((f) => f.manager === MANAGER)?.operation).toBe('Apply');
    await applier.delete(second);
    await applier.delete(second); // already gone: not an error
  });
});

describe("operator runtime: a reconcile starts from the controller's own last write", () => {
  const kc = kubeConfig();
  const api = images(kc);
  const metrics = createMetrics({ defaultMetrics: false });
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  let controller: Controller<WaltImageObject> | undefined;

  beforeAll(async () => {
    ns = await testNamespace('rt-ryw');
  });
  afterAll(async () => {
    await controller?.stop();
    await ns?.remove();
  });

  const countOf = (obj: WaltImageObject): number => {
    const message = obj.status?.conditions?.[0]?.message;
    return typeof message === 'string' ? Number(/^count (\d+)$/.exec(message)?.[1] ?? 0) : 0;
  };

  it('sees each of its writes at once, even when requeued before its cache has them', async () => {
    // Given a reconcile that counts in its status and asks to run again at once, five times
    const name = uniqueName('ryw');
    const observed: number[] = [];
    controller = createController<WaltImageObject>({
      kc,
      name: 'runtime-ryw',
      resource: waltImages,
      namespace: ns.name,
      logger: silentLogger(),
      metrics,
      identity: 'test-ryw',
      async reconcile(obj, ctx) {
        if (obj.metadata!.name !== name) return undefined;
        const count = countOf(obj);
        observed.push(count);
        if (count >= 5) return undefined;
        const conditions = setCondition(
          undefined,
          { type: 'Ready', status: 'False', reason: 'Counting', message: `count ${count + 1}` },
          obj.metadata!.generation,
        );
        await ctx.status.apply({ conditions });
        return { requeueAfterMs: 0 };
      },
    });
    await controller.start();
    await api.create(ns.name, name);
    // Then it counted 0 to 5, each step once: no reconcile worked from the version before a write
    await eventually('the count reaches 5', async () => countOf((await api.get(ns.name, name))!) === 5);
    await eventually('the last reconcile ran', () => observed.includes(5));
    const counting = observed.filter((n) => n < 5);
    expect(counting).toEqual([0, 1, 2, 3, 4]);
  });
});
