import fc from 'fast-check';
import { backoffDelay, QUEUE_BACKOFF, type BackoffPolicy } from './backoff.js';

describe('backoffDelay', () => {
  const noJitter: BackoffPolicy = { ...QUEUE_BACKOFF, jitter: 0 };

  it('doubles from the base and stops at the cap', () => {
    // Given the queue policy without jitter
    // When the failures grow
    const delays = [1, 2, 3, 4, 20, 1000].map((n) => backoffDelay(n, noJitter));
    // Then the delay doubles from 200 ms and stays at 5 min
    expect(delays).toEqual([200, 400, 800, 1600, 300_000, 300_000]);
  });

  it('is zero before any failure', () => {
    expect(backoffDelay(0, QUEUE_BACKOFF)).toBe(0);
  });

  it('with jitter, stays within [(1 - jitter)·d, d] and never above the cap', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (failures, r) => {
          // Given any failure count and any random draw
          const exact = backoffDelay(failures, noJitter);
          // When jitter is applied
          const d = backoffDelay(failures, QUEUE_BACKOFF, () => r);
          // Then the delay is in the jitter band below the exact delay, and capped
          expect(d).toBeLessThanOrEqual(exact);
          expect(d).toBeGreaterThanOrEqual(exact * (1 - QUEUE_BACKOFF.jitter) - 1e-9);
          expect(d).toBeLessThanOrEqual(QUEUE_BACKOFF.capMs);
        },
      ),
    );
  });
});
