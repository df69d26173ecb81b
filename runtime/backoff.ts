// Exponential back-off with jitter, shared by the work queue (per-key retries) and the informer
// (re-start after a failed watch). Pure: the random source is a parameter.

export interface BackoffPolicy {
  /** Delay after the first failure. */
  baseMs: number;
  /** Upper bound of any delay, jitter included. */
  capMs: number;
  /** Fraction in [0, 1] the delay may be shortened by, so retries of many keys spread out. */
  jitter: number;
}

export const QUEUE_BACKOFF: BackoffPolicy = { baseMs: 200, capMs: 5 * 60_000, jitter: 0.2 };

/**
 * Delay before retry number `failures` (1 for the first failure): base·2^(failures-1), capped, then
 * shortened by up to `jitter` of itself. Jitter only shortens, so the cap holds.
 */
export function backoffDelay(
  failures: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  if (failures <= 0) return 0;
  // 2^exponent overflows to Infinity long before it matters; min() keeps it finite.
  const exponential = policy.baseMs * 2 ** Math.min(failures - 1, 60);
  const capped = Math.min(policy.capMs, exponential);
  return capped * (1 - policy.jitter * random());
}
