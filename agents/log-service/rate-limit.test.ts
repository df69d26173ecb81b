import { ConcurrencyGate, TokenBuckets } from './rate-limit.js';

describe('TokenBuckets', () => {
  it('lets a burst through, then one request per refill, saying when to come back', () => {
    // Given 2 requests per second, bursts of 3
    const buckets = new TokenBuckets(2, 3, 10);
    // When a client sends 4 at once, then the 4th waits a second
    expect([0, 0, 0].map(() => buckets.take('a', 0).ok)).toEqual([true, true, true]);
    expect(buckets.take('a', 0)).toEqual({ ok: false, retryAfterS: 1 });
    // And another client is not affected
    expect(buckets.take('b', 0).ok).toBe(true);
    // And half a second later one token is back
    expect(buckets.take('a', 500).ok).toBe(true);
    expect(buckets.take('a', 500).ok).toBe(false);
  });

  it('keeps at most maxKeys clients, forgetting the least recently seen', () => {
    const buckets = new TokenBuckets(1, 1, 2);
    buckets.take('a', 0);
    buckets.take('b', 0);
    buckets.take('a', 0); // a is refused but seen last
    buckets.take('c', 0); // b is forgotten
    expect(buckets.size).toBe(2);
    expect(buckets.take('a', 0).ok).toBe(false);
    expect(buckets.take('b', 0).ok).toBe(true);
  });
});

describe('ConcurrencyGate', () => {
  it('caps holders per key and in all, and frees a place on release (once)', () => {
    const gate = new ConcurrencyGate(3, 2);
    const a1 = gate.enter('a');
    const a2 = gate.enter('a');
    expect(gate.enter('a')).toBeUndefined();
    const b1 = gate.enter('b');
    expect(gate.enter('c')).toBeUndefined();
    expect(gate.enter('c', false)).toBeUndefined(); // the total holds for uncapped keys too
    a1!();
    a1!();
    expect(gate.size).toBe(2);
    expect(gate.enter('a')).toBeDefined();
    expect([a2, b1].every((r) => r !== undefined)).toBe(true);
  });

  it('skips the per-key cap for uncapped entries', () => {
    const gate = new ConcurrencyGate(10, 1);
    expect(gate.enter('op', false)).toBeDefined();
    expect(gate.enter('op', false)).toBeDefined();
    expect(gate.enter('op')).toBeUndefined();
  });
});
