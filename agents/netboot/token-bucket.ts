// Token buckets: how often a device on the lab network may make the agent do something that costs us
// or someone else (a TFTP ERROR sent to a possibly spoofed address, a WaltNode created for a sprayed
// MAC). Pure: time is a parameter, in milliseconds. A keyed limiter keeps one bucket per key (a client
// address) under a total bucket, and at most `maxKeys` buckets: a spray of source addresses evicts the
// oldest ones, it never grows the map.

export interface BucketSpec {
  /** Tokens added per second. */
  ratePerSec: number;
  /** Tokens held at most (a burst). */
  burst: number;
}

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly spec: BucketSpec,
    now: number,
  ) {
    this.tokens = spec.burst;
    this.last = now;
  }

  /** Takes one token if there is one. */
  take(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Seconds until take() would succeed (0 when it would now; takes nothing). */
  secondsUntilToken(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : (1 - this.tokens) / this.spec.ratePerSec;
  }

  /** Whether take() would succeed now (takes nothing). */
  canTake(now: number): boolean {
    this.refill(now);
    return this.tokens >= 1;
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.last);
    this.last = Math.max(this.last, now);
    this.tokens = Math.min(this.spec.burst, this.tokens + (elapsed / 1000) * this.spec.ratePerSec);
  }
}

export interface KeyedLimiterOptions {
  perKey: BucketSpec;
  total: BucketSpec;
  /** Buckets kept at most (default 4096). */
  maxKeys?: number;
}

export class KeyedLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly total: TokenBucket;
  private readonly maxKeys: number;

  constructor(
    private readonly options: KeyedLimiterOptions,
    now: number,
  ) {
    this.total = new TokenBucket(options.total, now);
    this.maxKeys = Math.max(1, options.maxKeys ?? 4096);
  }

  /** Keys with a bucket (tests, metrics). */
  get keys(): number {
    return this.buckets.size;
  }

  /** Takes one token from `key`'s bucket and one from the total; false when either is empty. */
  take(key: string, now: number): boolean {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      this.makeRoom();
      bucket = new TokenBucket(this.options.perKey, now);
      this.buckets.set(key, bucket);
    }
    return bucket.take(now) && this.total.take(now);
  }

  /**
   * Forgets the oldest bucket when the map is full: O(1) per packet under a spray of source addresses.
   * A forgotten key starts again with a full bucket, so eviction can only be lenient; the total bucket
   * still bounds the sum.
   */
  private makeRoom(): void {
    if (this.buckets.size < this.maxKeys) return;
    const oldest = this.buckets.keys().next().value;
    if (oldest !== undefined) this.buckets.delete(oldest);
  }
}
