import { KeyedLimiter, TokenBucket } from './token-bucket.js';

describe('TokenBucket', () => {
  it('allows a burst, then one token per 1/rate seconds', () => {
    // Given a bucket of 3 tokens refilled at 2 per second
    const bucket = new TokenBucket({ ratePerSec: 2, burst: 3 }, 0);
    // Then the burst passes and the fourth is refused
    expect([1, 2, 3, 4].map(() => bucket.take(0))).toEqual([true, true, true, false]);
    // And half a second later one more passes, not two
    expect(bucket.take(500)).toBe(true);
    expect(bucket.take(500)).toBe(false);
  });

  it('never holds more than its burst, however long it idles, and ignores a clock going back', () => {
    const bucket = new TokenBucket({ ratePerSec: 10, burst: 2 }, 0);
    const taken = [0, 1, 2].map(() => bucket.take(3_600_000));
    expect(taken).toEqual([true, true, false]);
    expect(bucket.take(1000)).toBe(false);
  });
});

describe('KeyedLimiter', () => {
  it('limits each key on its own and all keys together', () => {
    // Given 2 per key and 3 in all
    const limiter = new KeyedLimiter(
      { perKey: { ratePerSec: 1, burst: 2 }, total: { ratePerSec: 1, burst: 3 } },
      0,
    );
    // Then a key gets 2, another gets 1 more (the total), a third none
    expect([limiter.take('a', 0), limiter.take('a', 0), limiter.take('a', 0)]).toEqual([true, true, false]);
    expect([limiter.take('b', 0), limiter.take('b', 0)]).toEqual([true, false]);
    expect(limiter.take('c', 0)).toBe(false);
  });

  it('keeps at most maxKeys buckets under a spray of keys', () => {
    const limiter = new KeyedLimiter(
      { perKey: { ratePerSec: 1, burst: 1 }, total: { ratePerSec: 1e9, burst: 1e9 }, maxKeys: 16 },
      0,
    );
    for (let i = 0; i < 10_000; i++) limiter.take(`10.0.${i >> 8}.${i & 255}`, 0);
    expect(limiter.keys).toBe(16);
  });
});
