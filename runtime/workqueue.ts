// A work queue of keys ("namespace/name"), in the spirit of client-go's workqueue:
// - a key queued several times before it is picked is processed once (de-duplication);
// - a key queued while it is processed is processed again afterwards, never concurrently;
// - failures are retried after a per-key exponential back-off, reset on success;
// - a global token bucket bounds the rate of starts; `concurrency` keys run at once;
// - shutdown() refuses new keys and waits for queued and running ones (drain).
import { clearLongTimeout, setLongTimeout, type LongTimeout } from '../common/timers.js';
import { backoffDelay, QUEUE_BACKOFF, type BackoffPolicy } from './backoff.js';
import { createTokenBucket, DEFAULT_RATE_LIMIT, type RateLimit, type TokenBucket } from './rate-limit.js';

export type WorkResult = void | { requeueAfterMs?: number };
export type WorkHandler = (key: string) => Promise<WorkResult>;

export interface WorkQueueOptions {
  name: string;
  handler: WorkHandler;
  /** Keys processed at once (default 1). */
  concurrency?: number;
  backoff?: BackoffPolicy;
  rateLimit?: RateLimit;
  random?: () => number;
  now?: () => number;
}

export interface ShutdownOptions {
  /** Also process the keys already queued (default true); running keys always finish. */
  drain?: boolean;
}

export interface WorkQueue {
  readonly name: string;
  add(key: string): void;
  /** Queues the key after `ms`; an earlier pending delay for the key wins. */
  addAfter(key: string, ms: number): void;
  /** Counts a failure of the key and queues it after its back-off delay, which it returns. */
  addRateLimited(key: string): number;
  /** Resets the back-off of the key. */
  forget(key: string): void;
  failures(key: string): number;
  /** Keys waiting to be processed (not counting running or delayed ones). */
  depth(): number;
  running(): number;
  isShutDown(): boolean;
  shutdown(options?: ShutdownOptions): Promise<void>;
}

class Queue implements WorkQueue {
  readonly name: string;
  private readonly handler: WorkHandler;
  private readonly concurrency: number;
  private readonly backoff: BackoffPolicy;
  private readonly random: () => number;
  private readonly bucket: TokenBucket;
  private readonly ready: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly delayed = new Map<string, { at: number; timer: LongTimeout }>();
  private readonly failureCounts = new Map<string, number>();
  private readonly now: () => number;
  private pumpTimer: NodeJS.Timeout | undefined;
  private closing = false;
  private drained: (() => void) | undefined;
  private drainPromise: Promise<void> | undefined;

  constructor(options: WorkQueueOptions) {
    this.name = options.name;
    this.handler = options.handler;
    this.concurrency = Math.max(1, options.concurrency ?? 1);
    this.backoff = options.backoff ?? QUEUE_BACKOFF;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.bucket = createTokenBucket(options.rateLimit ?? DEFAULT_RATE_LIMIT, this.now);
  }

  add(key: string): void {
    if (this.closing || this.dirty.has(key)) return;
    this.dirty.add(key);
    // A running key is re-queued when it finishes, so it never runs twice at once.
    if (!this.processing.has(key)) this.ready.push(key);
    this.pump();
  }

  addAfter(key: string, ms: number): void {
    if (this.closing) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.now() + ms;
    const pending = this.delayed.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearLongTimeout(pending.timer);
    // Requeues may be weeks away (an experiment timeout, an image recheck): chained past 2^31-1 ms.
    const timer = setLongTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { at, timer });
  }

  addRateLimited(key: string): number {
    const failures = (this.failureCounts.get(key) ?? 0) + 1;
    this.failureCounts.set(key, failures);
    const delay = backoffDelay(failures, this.backoff, this.random);
    this.addAfter(key, delay);
    return delay;
  }

  forget(key: string): void {
    this.failureCounts.delete(key);
  }

  failures(key: string): number {
    return this.failureCounts.get(key) ?? 0;
  }

  depth(): number {
    return this.ready.length;
  }

  running(): number {
    return this.processing.size;
  }

  isShutDown(): boolean {
    return this.closing;
  }

  shutdown(options: ShutdownOptions = {}): Promise<void> {
    if (this.drainPromise) return this.drainPromise;
    this.closing = true;
    for (const { timer } of this.delayed.values()) clearLongTimeout(timer);
    this.delayed.clear();
    if (options.drain === false) {
      for (const key of this.ready) this.dirty.delete(key);
      this.ready.length = 0;
    }
    this.drainPromise = new Promise<void>((resolve) => (this.drained = resolve));
    this.pump();
    return this.drainPromise;
  }

  private pump(): void {
    while (this.processing.size < this.concurrency && this.ready.length > 0) {
      const wait = this.bucket.take();
      if (wait > 0) {
        this.schedulePump(wait);
        return;
      }
      const key = this.ready.shift()!;
      this.dirty.delete(key);
      this.processing.add(key);
      void this.run(key);
    }
    this.checkDrained();
  }

  private schedulePump(ms: number): void {
    if (this.pumpTimer) return;
    this.pumpTimer = setTimeout(() => {
      this.pumpTimer = undefined;
      this.pump();
    }, ms);
  }

  private async run(key: string): Promise<void> {
    try {
      const result = await this.handler(key);
      this.forget(key);
      if (result?.requeueAfterMs !== undefined) this.addAfter(key, result.requeueAfterMs);
    } catch {
      // The handler logs its own errors; the queue only schedules the retry.
      if (!this.closing) this.addRateLimited(key);
    } finally {
      this.processing.delete(key);
      if (this.dirty.has(key)) this.ready.push(key);
      this.pump();
    }
  }

  private checkDrained(): void {
    if (!this.closing || !this.drained) return;
    if (this.processing.size > 0 || this.ready.length > 0) return;
    if (this.pumpTimer) clearTimeout(this.pumpTimer);
    this.pumpTimer = undefined;
    const resolve = this.drained;
    this.drained = undefined;
    resolve();
  }
}

export function createWorkQueue(options: WorkQueueOptions): WorkQueue {
  return new Queue(options);
}

/** The queue key of an object: "namespace/name", or "name" for cluster-scoped objects. */
export function keyOf(obj: { metadata?: { name?: string; namespace?: string } }): string {
  const name = obj.metadata?.name ?? '';
  const namespace = obj.metadata?.namespace;
  return namespace ? `${namespace}/${name}` : name;
}

export function splitKey(key: string): { name: string; namespace?: string } {
  const slash = key.indexOf('/');
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
