// Per-client admission of the public read routes: a token bucket per client address (the request
// rate) and a gate on how many long answers run at once (in all and per address). Pure: the caller
// passes the time. The key table is bounded: beyond `maxKeys` the least recently seen address is
// forgotten (it starts again with a full bucket — a client rotating addresses gains little on a LAN,
// where each address needs a real host).
import { TokenBucket } from '../netboot/token-bucket.js';

export type Admission = { ok: true } | { ok: false; retryAfterS: number };

/** A token bucket per key, the least recently seen key forgotten first (token-bucket.ts does the refill). */
export class TokenBuckets {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly maxKeys: number,
  ) {}

  /** Takes one token of `key`'s bucket at `nowMs`, or says how long to wait for one. */
  take(key: string, nowMs: number): Admission {
    const bucket = this.bucketOf(key, nowMs);
    if (bucket.take(nowMs)) return { ok: true };
    return { ok: false, retryAfterS: Math.max(1, Math.ceil(bucket.secondsUntilToken(nowMs))) };
  }

  get size(): number {
    return this.buckets.size;
  }

  private bucketOf(key: string, nowMs: number): TokenBucket {
    const found = this.buckets.get(key);
    if (found !== undefined) {
      this.buckets.delete(key); // re-inserted last: Map order is recency
      this.buckets.set(key, found);
      return found;
    }
    if (this.buckets.size >= this.maxKeys) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
    const bucket = new TokenBucket({ ratePerSec: this.perSecond, burst: this.burst }, nowMs);
    this.buckets.set(key, bucket);
    return bucket;
  }
}

/** At most `total` holders at once, and `perKey` per key (an unbounded key skips the per-key cap). */
export class ConcurrencyGate {
  private readonly byKey = new Map<string, number>();
  private count = 0;

  constructor(
    private readonly total: number,
    private readonly perKey: number,
  ) {}

  /** A release function, or undefined when a cap is reached. */
  enter(key: string, capped = true): (() => void) | undefined {
    const held = this.byKey.get(key) ?? 0;
    if (this.count >= this.total || (capped && held >= this.perKey)) return undefined;
    this.count++;
    this.byKey.set(key, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.count--;
      const left = (this.byKey.get(key) ?? 1) - 1;
      if (left === 0) this.byKey.delete(key);
      else this.byKey.set(key, left);
    };
  }

  get size(): number {
    return this.count;
  }
}
