// A token bucket: `burst` tokens, refilled at `qps` per second. Bounds how fast a queue starts work,
// whatever the per-key back-off says (client-go's overall rate limiter, in spirit).

export interface RateLimit {
  qps: number;
  burst: number;
}

export const DEFAULT_RATE_LIMIT: RateLimit = { qps: 10, burst: 100 };

export interface TokenBucket {
  /** Takes a token and returns 0, or returns how many ms until one is available (takes nothing). */
  take(): number;
}

export function createTokenBucket(limit: RateLimit, now: () => number = Date.now): TokenBucket {
  let tokens = limit.burst;
  let last = now();
  return {
    take(): number {
      const t = now();
      tokens = Math.min(limit.burst, tokens + ((t - last) / 1000) * limit.qps);
      last = t;
      if (tokens >= 1) {
        tokens -= 1;
        return 0;
      }
      return Math.ceil(((1 - tokens) / limit.qps) * 1000);
    },
  };
}
