// The byte-bounded cache under the HTTP and TFTP boot-file caches: shared builds, LRU eviction, failed
// builds forgotten, values too large refused.
import { BoundedCache, type CacheObserver } from './byte-budget-lru.js';

describe('BoundedCache', () => {
  it('builds a value once for every caller asking meanwhile', async () => {
    const cache = new BoundedCache<string>(100);
    let builds = 0;
    const build = async (): Promise<string> => {
      builds += 1;
      await new Promise((r) => setTimeout(r, 10));
      return 'v';
    };
    const values = await Promise.all([cache.get('k', 10, build), cache.get('k', 10, build)]);
    expect(values).toEqual(['v', 'v']);
    expect(builds).toBe(1);
    expect(cache.size).toBe(10);
  });

  it('evicts the least recently used values to stay within its budget', async () => {
    const cache = new BoundedCache<string>(100);
    await cache.get('a', 40, () => Promise.resolve('a'));
    await cache.get('b', 40, () => Promise.resolve('b'));
    await cache.get('a', 40, () => Promise.resolve('a again')); // a is now the most recently used
    await cache.get('c', 30, () => Promise.resolve('c')); // 110 > 100: b goes
    expect(cache.size).toBe(70);
    expect(await cache.get('a', 40, () => Promise.resolve('rebuilt'))).toBe('a');
    expect(await cache.get('b', 40, () => Promise.resolve('rebuilt'))).toBe('rebuilt');
  });

  it('forgets a failed build, so the next caller tries again', async () => {
    const cache = new BoundedCache<string>(100);
    await expect(cache.get('k', 10, () => Promise.reject(new Error('read failed')))).rejects.toThrow(
      'read failed',
    );
    await new Promise((r) => setImmediate(r));
    expect(cache.size).toBe(0);
    expect(await cache.get('k', 10, () => Promise.resolve('ok'))).toBe('ok');
  });

  it('refuses a value larger than its whole budget', () => {
    const cache = new BoundedCache<string>(100);
    expect(cache.get('k', 101, () => Promise.resolve('never'))).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('tells its observer each lookup and the bytes it holds', async () => {
    const seen: string[] = [];
    const observer: CacheObserver = {
      lookup: (result) => seen.push(result),
      held: (bytes) => seen.push(`held ${bytes}`),
    };
    const cache = new BoundedCache<string>(100, observer);
    await cache.get('a', 60, () => Promise.resolve('a'));
    await cache.get('a', 60, () => Promise.resolve('a'));
    expect(cache.get('huge', 101, () => Promise.resolve('never'))).toBeUndefined();
    await cache.get('b', 60, () => Promise.resolve('b')); // evicts a
    expect(seen).toEqual(['miss', 'held 60', 'hit', 'uncached', 'miss', 'held 0', 'held 60']);
  });
});
