// A controller: an informer feeding a work queue whose worker runs `reconcile` on the cached object.
// It owns the finalizer protocol (added before the first reconcile; on deletion `finalize` runs, then
// the finalizer goes), rate-limited retries of failures, metrics and a per-reconcile child logger.
import os from 'node:os';
import * as k8s from '@kubernetes/client-node';
import { isWaltError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { BackoffPolicy } from './backoff.js';
import { createEventRecorder, eventsFor, type EventRecorder, type ObjectEvents } from './events.js';
import { createFinalizers, hasFinalizer, type Finalizers } from './finalizers.js';
import { createInformer, type Informer } from './informer.js';
import type { RuntimeMetrics } from './metrics.js';
import type { RateLimit } from './rate-limit.js';
import { OwnWrites } from './own-writes.js';
import { describeError, statusCodeOf, type ResourceType } from './resource.js';
import {
  createStatusWriter,
  type ApplyStatusOptions,
  type StatusUpdate,
  type StatusWriter,
} from './status.js';
import { createWorkQueue, keyOf, splitKey, type WorkQueue, type WorkResult } from './workqueue.js';

export type ReconcileOutcome = { requeueAfterMs?: number } | void;

export interface ReconcileContext<T extends k8s.KubernetesObject> {
  /** Child logger bound to {controller, kind, name, namespace}. */
  logger: Logger;
  events: ObjectEvents;
  status: {
    /** Server-side applies `update` to the status of the object being reconciled; returns the result. */
    apply(update: StatusUpdate<T>, options?: ApplyStatusOptions): Promise<T>;
  };
  finalizers: {
    has(finalizer: string): boolean;
    add(finalizer: string): Promise<T>;
    remove(finalizer: string): Promise<T>;
  };
  /** The object as last written by this reconcile (status and finalizer writes update it). */
  current(): T;
  /** Failures of this key since its last success (0 on a first attempt). */
  retries: number;
}

export type Reconcile<T extends k8s.KubernetesObject> = (
  obj: T,
  ctx: ReconcileContext<T>,
) => Promise<ReconcileOutcome>;

export interface FinalizerSpec<T extends k8s.KubernetesObject> {
  /** A qualified name, e.g. "walt.dev/image-cleanup". */
  name: string;
  /** Releases what the object holds; the finalizer is removed once it resolves (a rejection retries). */
  finalize(obj: T, ctx: ReconcileContext<T>): Promise<void>;
}

export interface ControllerOptions<T extends k8s.KubernetesObject> {
  kc: k8s.KubeConfig;
  /** Short name, e.g. "waltimage": metrics label, field manager "walt-<name>", event reporter. */
  name: string;
  resource: ResourceType;
  reconcile: Reconcile<T>;
  finalizer?: FinalizerSpec<T>;
  /** Keys reconciled at once (default 1). */
  concurrency?: number;
  /** Full re-list and re-reconcile period (default 10 min). */
  relistPeriodMs?: number;
  logger: Logger;
  metrics: RuntimeMetrics;
  /** Watch one namespace only. */
  namespace?: string;
  labelSelector?: string;
  /** This replica, for events (default the host name). */
  identity?: string;
  fieldManager?: string;
  /** Shared recorder; by default the controller makes its own. */
  events?: EventRecorder;
  backoff?: BackoffPolicy;
  rateLimit?: RateLimit;
  informerRestartBackoff?: BackoffPolicy;
}

export interface Controller<T extends k8s.KubernetesObject> {
  readonly name: string;
  readonly informer: Informer<T>;
  /** Starts the informer and the workers (standalone use; a manager starts them separately). */
  start(): Promise<void>;
  /** Stops the workers (draining the queue) and the informer. */
  stop(): Promise<void>;
  startInformer(): Promise<void>;
  stopInformer(): Promise<void>;
  /** Starts reconciling: every cached object is queued, then every change. */
  startWorkers(): void;
  /** Stops reconciling; with drain (default) queued keys are reconciled first. */
  stopWorkers(options?: { drain?: boolean }): Promise<void>;
  workersRunning(): boolean;
  hasSynced(): boolean;
  enqueue(key: string): void;
  queueDepth(): number;
}

/** The label of an error in metrics and logs: its WALT_ERR code, HTTP_<status>, or "unknown". */
export function errorCode(err: unknown): string {
  if (isWaltError(err)) return err.code;
  const status = statusCodeOf(err);
  return status === undefined ? 'unknown' : `HTTP_${status}`;
}

class WorkController<T extends k8s.KubernetesObject> implements Controller<T> {
  readonly name: string;
  readonly informer: Informer<T>;
  private readonly statusWriter: StatusWriter<T>;
  private readonly finalizerClient: Finalizers<T>;
  private readonly recorder: EventRecorder;
  private readonly ownsRecorder: boolean;
  private queue: WorkQueue | undefined;
  private readonly ownWrites = new OwnWrites<T>();

  constructor(private readonly options: ControllerOptions<T>) {
    const { kc, name, resource, logger } = options;
    this.name = name;
    const fieldManager = options.fieldManager ?? `walt-${name}`;
    this.informer = createInformer<T>(kc, resource, {
      namespace: options.namespace,
      labelSelector: options.labelSelector,
      relistPeriodMs: options.relistPeriodMs ?? 10 * 60_000,
      logger,
      restartBackoff: options.informerRestartBackoff,
    });
    this.statusWriter = createStatusWriter<T>({ kc, resource, fieldManager, logger });
    this.finalizerClient = createFinalizers<T>(kc, resource);
    this.ownsRecorder = options.events === undefined;
    this.recorder =
      options.events ??
      createEventRecorder({
        kc,
        reportingController: `walt.dev/${name}`,
        reportingInstance: options.identity ?? os.hostname(),
        logger,
      });
    const enqueue = (obj: T): void => this.enqueue(keyOf(obj));
    this.informer.on('add', enqueue);
    this.informer.on('update', enqueue);
    this.informer.on('resync', enqueue);
    options.metrics.trackQueueDepth(name, () => this.queueDepth());
  }

  async start(): Promise<void> {
    await this.startInformer();
    this.startWorkers();
  }

  async stop(): Promise<void> {
    await this.stopWorkers();
    await this.stopInformer();
    if (this.ownsRecorder) await this.recorder.close();
  }

  startInformer(): Promise<void> {
    return this.informer.start();
  }

  stopInformer(): Promise<void> {
    return this.informer.stop();
  }

  startWorkers(): void {
    if (this.queue && !this.queue.isShutDown()) return;
    this.queue = createWorkQueue({
      name: this.name,
      handler: (key) => this.process(key),
      concurrency: this.options.concurrency,
      backoff: this.options.backoff,
      rateLimit: this.options.rateLimit,
    });
    for (const obj of this.informer.list()) this.queue.add(keyOf(obj));
  }

  async stopWorkers(options: { drain?: boolean } = {}): Promise<void> {
    const queue = this.queue;
    if (!queue) return;
    await queue.shutdown(options);
    if (this.queue === queue) this.queue = undefined;
  }

  workersRunning(): boolean {
    return this.queue !== undefined && !this.queue.isShutDown();
  }

  hasSynced(): boolean {
    return this.informer.hasSynced();
  }

  enqueue(key: string): void {
    // Not leading (or stopped): nothing to do; startWorkers queues every cached object.
    this.queue?.add(key);
  }

  queueDepth(): number {
    return this.queue?.depth() ?? 0;
  }

  private async process(key: string): Promise<WorkResult> {
    const { name, namespace } = splitKey(key);
    const cached = this.informer.get(name, namespace);
    if (!cached) {
      this.ownWrites.forget(key);
      return; // deleted meanwhile: nothing left to reconcile
    }
    const obj = this.ownWrites.freshest(key, cached);
    const retries = this.queue?.failures(key) ?? 0;
    const ctx = this.contextFor(obj, retries, (written) =>
      this.ownWrites.record(key, cached.metadata?.resourceVersion, written),
    );
    const { metrics } = this.options;
    const stopTimer = metrics.reconcileDuration.startTimer({ controller: this.name });
    try {
      const outcome = await this.handle(obj, ctx);
      const result = outcome?.requeueAfterMs === undefined ? 'success' : 'requeue';
      metrics.reconcileTotal.inc({ controller: this.name, result });
      return outcome;
    } catch (err) {
      // The object went away while we worked on it (its last finalizer was removed): nothing to retry.
      if (statusCodeOf(err) === 404 && obj.metadata?.deletionTimestamp) {
        metrics.reconcileTotal.inc({ controller: this.name, result: 'gone' });
        return;
      }
      const code = errorCode(err);
      metrics.reconcileTotal.inc({ controller: this.name, result: 'error' });
      metrics.reconcileErrors.inc({ controller: this.name, code });
      ctx.logger.warn(
        { code, err: describeError(err), retries: retries + 1 },
        'reconcile failed; retrying after back-off',
      );
      throw err;
    } finally {
      stopTimer();
    }
  }

  private async handle(obj: T, ctx: ReconcileContext<T>): Promise<ReconcileOutcome> {
    const finalizer = this.options.finalizer;
    if (!finalizer) return this.options.reconcile(obj, ctx);
    if (obj.metadata?.deletionTimestamp) {
      if (!hasFinalizer(obj, finalizer.name)) return;
      ctx.logger.debug({ finalizer: finalizer.name }, 'finalizing');
      await finalizer.finalize(obj, ctx);
      await ctx.finalizers.remove(finalizer.name);
      return;
    }
    const current = hasFinalizer(obj, finalizer.name) ? obj : await ctx.finalizers.add(finalizer.name);
    return this.options.reconcile(current, ctx);
  }

  /** `wrote` is told each object a write returned (read-your-writes, own-writes.ts). */
  private contextFor(obj: T, retries: number, wrote: (written: T) => void): ReconcileContext<T> {
    let current = obj;
    const m = obj.metadata;
    const logger = this.options.logger.child({
      controller: this.name,
      kind: obj.kind,
      name: m?.name,
      namespace: m?.namespace,
    });
    const track = (next: T): T => {
      wrote(next);
      return (current = next);
    };
    return {
      logger,
      events: eventsFor(this.recorder, obj),
      status: {
        apply: async (update, options) => track(await this.statusWriter.apply(current, update, options)),
      },
      finalizers: {
        has: (f) => hasFinalizer(current, f),
        add: async (f) => track(await this.finalizerClient.add(current, f)),
        remove: async (f) => track(await this.finalizerClient.remove(current, f)),
      },
      current: () => current,
      retries,
    };
  }
}

export function createController<T extends k8s.KubernetesObject>(
  options: ControllerOptions<T>,
): Controller<T> {
  return new WorkController<T>(options);
}
