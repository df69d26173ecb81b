// A cached, watched view of one kind, on client-node's makeInformer/ListWatch, made robust:
// - client-node stops the watch on any error but 410 Gone: we start it again after a back-off;
// - watches can stop silently: every relistPeriodMs we list afresh (a new ListWatch) and emit
//   'resync' for each unchanged object, so controllers re-reconcile everything periodically;
// - our own store is the source of truth for get/list, so swapping ListWatch instances does not
//   replay 'add' for objects we already know, and objects gone during an outage become 'delete'.
import * as k8s from '@kubernetes/client-node';
import type { Logger } from '../common/logger.js';
import { backoffDelay, type BackoffPolicy } from './backoff.js';
import { ERR_ALREADY_STARTED } from './errors.js';
import {
  apiVersionOf,
  createResourceClient,
  describeError,
  statusCodeOf,
  type ResourceClient,
  type ResourceType,
} from './resource.js';
import { keyOf } from './workqueue.js';

export type InformerEvent = 'add' | 'update' | 'delete' | 'resync';
export type InformerCallback<T> = (obj: T) => void;

export interface InformerOptions {
  namespace?: string;
  labelSelector?: string;
  /** Period of full re-lists (0 disables). */
  relistPeriodMs: number;
  logger: Logger;
  /** Delay before re-starting a failed watch (default 500 ms doubling to 30 s). */
  restartBackoff?: BackoffPolicy;
}

export interface Informer<T extends k8s.KubernetesObject> {
  on(event: InformerEvent, cb: InformerCallback<T>): void;
  off(event: InformerEvent, cb: InformerCallback<T>): void;
  get(name: string, namespace?: string): T | undefined;
  list(): T[];
  /** Starts listing and watching; resolves at once (use waitForSync to wait for the first list). */
  start(): Promise<void>;
  stop(): Promise<void>;
  hasSynced(): boolean;
  /** Resolves true once the first list is in the cache, false on timeout or stop. */
  waitForSync(timeoutMs?: number): Promise<boolean>;
}

const RESTART_BACKOFF: BackoffPolicy = { baseMs: 500, capMs: 30_000, jitter: 0.2 };

type Watcher<T extends k8s.KubernetesObject> = k8s.Informer<T> & k8s.ObjectCache<T>;

class ResilientInformer<T extends k8s.KubernetesObject> implements Informer<T> {
  private readonly store = new Map<string, T>();
  private readonly callbacks: Record<InformerEvent, Array<InformerCallback<T>>> = {
    add: [],
    update: [],
    delete: [],
    resync: [],
  };
  private readonly backoff: BackoffPolicy;
  private readonly log: Logger;
  private readonly client: ResourceClient<T>;
  private current: Watcher<T> | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private relistTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private lastFailureAt = 0;
  private synced = false;
  private running = false;
  private readonly syncWaiters = new Set<(synced: boolean) => void>();

  constructor(
    private readonly kc: k8s.KubeConfig,
    private readonly resource: ResourceType,
    private readonly options: InformerOptions,
  ) {
    this.backoff = options.restartBackoff ?? RESTART_BACKOFF;
    this.client = createResourceClient<T>(kc, resource);
    this.log = options.logger.child({ informer: resource.plural, namespace: options.namespace });
  }

  on(event: InformerEvent, cb: InformerCallback<T>): void {
    this.callbacks[event].push(cb);
  }

  off(event: InformerEvent, cb: InformerCallback<T>): void {
    this.callbacks[event] = this.callbacks[event].filter((c) => c !== cb);
  }

  get(name: string, namespace?: string): T | undefined {
    return this.store.get(namespace ? `${namespace}/${name}` : name);
  }

  list(): T[] {
    return [...this.store.values()];
  }

  hasSynced(): boolean {
    return this.synced;
  }

  waitForSync(timeoutMs = 60_000): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (synced: boolean): void => {
        clearTimeout(timer);
        this.syncWaiters.delete(done);
        resolve(synced);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      this.syncWaiters.add(done);
    });
  }

  start(): Promise<void> {
    if (this.running) return Promise.reject(ERR_ALREADY_STARTED(`informer for ${this.resource.plural}`));
    this.running = true;
    this.launch();
    if (this.options.relistPeriodMs > 0) {
      this.relistTimer = setInterval(() => this.relist(), this.options.relistPeriodMs);
    }
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.restartTimer);
    clearInterval(this.relistTimer);
    for (const waiter of [...this.syncWaiters]) waiter(false);
    const watcher = this.current;
    this.current = undefined;
    await watcher?.stop();
  }

  /** A fresh ListWatch: lists everything, then watches from the list's resourceVersion. */
  private launch(): void {
    const { client } = this;
    const { namespace, labelSelector } = this.options;
    const watcher: Watcher<T> = k8s.makeInformer<T>(
      this.kc,
      client.collectionPath(namespace),
      async () => this.absorbList(watcher, await client.list({ namespace, labelSelector })),
      labelSelector,
    );
    const mine = (fn: (obj: T) => void) => (obj: T) => {
      if (this.current === watcher) fn(this.normalise(obj));
    };
    watcher.on(
      'add',
      mine((obj) => this.upsert(obj, undefined)),
    );
    watcher.on(
      'update',
      mine((obj) => this.upsert(obj, undefined)),
    );
    watcher.on(
      'delete',
      mine((obj) => this.remove(keyOf(obj), obj)),
    );
    watcher.on('error', (err: unknown) => {
      if (this.current === watcher && this.running) this.scheduleRestart(err);
    });
    this.current = watcher;
    this.resume(watcher);
  }

  private resume(watcher: Watcher<T>): void {
    watcher.start().catch((err: unknown) => {
      if (this.current === watcher && this.running) this.scheduleRestart(err);
    });
  }

  private relist(): void {
    if (!this.running) return;
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const old = this.current;
    this.launch();
    // Errors the aborted watch reports are ignored: it is no longer current.
    void old?.stop();
  }

  private scheduleRestart(err: unknown): void {
    const now = Date.now();
    // Failures long apart are independent: start the back-off again.
    if (now - this.lastFailureAt > 2 * this.backoff.capMs) this.failures = 0;
    this.lastFailureAt = now;
    this.failures++;
    const delay = backoffDelay(this.failures, this.backoff);
    this.log.warn(
      {
        err: describeError(err),
        code: statusCodeOf(err),
        retryInMs: Math.round(delay),
      },
      'watch stopped with an error; restarting it',
    );
    clearTimeout(this.restartTimer);
    const watcher = this.current;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      // Resume from the last resourceVersion; a 410 Gone makes ListWatch list again.
      if (watcher && this.current === watcher && this.running) this.resume(watcher);
    }, delay);
  }

  /** Called with every list result (first list, relist, re-list after 410): diff it into the store. */
  private absorbList(watcher: Watcher<T>, list: k8s.KubernetesListObject<T>): k8s.KubernetesListObject<T> {
    if (this.current !== watcher) return list;
    const seen = new Set<string>();
    for (const item of list.items) {
      const obj = this.normalise(item);
      seen.add(keyOf(obj));
      this.upsert(obj, 'resync');
    }
    for (const [key, obj] of [...this.store]) if (!seen.has(key)) this.remove(key, obj);
    this.failures = 0;
    this.markSynced();
    return list;
  }

  private markSynced(): void {
    if (this.synced) return;
    this.synced = true;
    for (const waiter of [...this.syncWaiters]) waiter(true);
  }

  /** Stores the object and emits add/update, or `unchanged` (if given) for a same-version object. */
  private upsert(obj: T, unchanged: 'resync' | undefined): void {
    const key = keyOf(obj);
    const known = this.store.get(key);
    this.store.set(key, obj);
    if (!known) this.emit('add', obj);
    else if (known.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.emit('update', obj);
    else if (unchanged) this.emit(unchanged, obj);
  }

  private remove(key: string, last: T): void {
    if (!this.store.delete(key)) return;
    this.emit('delete', last);
  }

  private emit(event: InformerEvent, obj: T): void {
    for (const cb of this.callbacks[event]) {
      try {
        cb(obj);
      } catch (err) {
        this.log.error({ err, event }, 'informer callback threw');
      }
    }
  }

  private normalise(obj: T): T {
    if (obj.apiVersion && obj.kind) return obj;
    return {
      ...obj,
      apiVersion: obj.apiVersion ?? apiVersionOf(this.resource),
      kind: obj.kind ?? this.resource.kind,
    };
  }
}

export function createInformer<T extends k8s.KubernetesObject>(
  kc: k8s.KubeConfig,
  resource: ResourceType,
  options: InformerOptions,
): Informer<T> {
  return new ResilientInformer<T>(kc, resource, options);
}
