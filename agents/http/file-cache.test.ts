// The in-memory boot file cache: one read for concurrent requests, LRU within its budget, nothing kept
// that is too large or failed to read, a replaced file never served stale.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FileCache } from './file-cache.js';

describe('FileCache', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'walt-file-cache-'));
  });
  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  async function file(name: string, content: Buffer): Promise<string> {
    const p = path.join(dir, name);
    await fs.writeFile(p, content);
    return p;
  }

  /** Opens `p`, asks the cache, closes; counts the reads the cache made through the handle. */
  async function fetchFrom(cache: FileCache, p: string, reads = { count: 0 }): Promise<Buffer | undefined> {
    const handle = await fs.open(p);
    try {
      const read = handle.read.bind(handle);
      handle.read = (...args: Parameters<typeof read>) => {
        reads.count += 1;
        return read(...args);
      };
      return await cache.content(handle, await handle.stat());
    } finally {
      await handle.close();
    }
  }

  it('reads a file once for all the requests that want it at the same time', async () => {
    const content = Buffer.alloc(300_000, 7);
    const p = await file('shared', content);
    const cache = new FileCache({ maxBytes: 1 << 20, maxFileBytes: 1 << 20 });
    const reads = { count: 0 };
    const results = await Promise.all(Array.from({ length: 5 }, () => fetchFrom(cache, p, reads)));
    for (const r of results) expect(r?.equals(content)).toBe(true);
    const again = await fetchFrom(cache, p, reads);
    expect(again?.equals(content)).toBe(true);
    expect(reads.count).toBe(1);
    expect(cache.size).toBe(content.length);
  });

  it('keeps nothing larger than maxFileBytes, nor anything when maxBytes is 0, and says so', async () => {
    const p = await file('big', Buffer.alloc(2000, 1));
    const lookups: string[] = [];
    const observer = { lookup: (result: string) => lookups.push(result), held: () => undefined };
    const small = new FileCache({ maxBytes: 1 << 20, maxFileBytes: 1000 }, observer);
    expect(await fetchFrom(small, p)).toBeUndefined();
    const off = new FileCache({ maxBytes: 0, maxFileBytes: 1 << 20 }, observer);
    expect(await fetchFrom(off, p)).toBeUndefined();
    expect(lookups).toEqual(['uncached', 'uncached']);
  });

  it('evicts the least recently used files to stay within maxBytes', async () => {
    const cache = new FileCache({ maxBytes: 3000, maxFileBytes: 3000 });
    const a = await file('a', Buffer.alloc(1000, 1));
    const b = await file('b', Buffer.alloc(1000, 2));
    const c = await file('c', Buffer.alloc(1500, 3));
    await fetchFrom(cache, a);
    await fetchFrom(cache, b);
    await fetchFrom(cache, a); // a is now the most recently used
    await fetchFrom(cache, c); // 3500 > 3000: b goes
    expect(cache.size).toBe(2500);
    const reads = { count: 0 };
    await fetchFrom(cache, a, reads);
    expect(reads.count).toBe(0);
    await fetchFrom(cache, b, reads);
    expect(reads.count).toBe(1);
  });

  it('serves a replaced file (new inode or size) from the new content', async () => {
    const cache = new FileCache({ maxBytes: 1 << 20, maxFileBytes: 1 << 20 });
    const p = await file('replaced', Buffer.from('first version'));
    expect((await fetchFrom(cache, p))?.toString()).toBe('first version');
    const next = path.join(dir, 'replaced.new');
    await fs.writeFile(next, 'second version, longer');
    await fs.rename(next, p);
    expect((await fetchFrom(cache, p))?.toString()).toBe('second version, longer');
  });

  it('does not keep a failed read: the next request reads again', async () => {
    const cache = new FileCache({ maxBytes: 1 << 20, maxFileBytes: 1 << 20 });
    const p = await file('shrinks', Buffer.alloc(5000, 4));
    const handle = await fs.open(p);
    const stat = await handle.stat();
    await fs.truncate(p, 100); // shorter than its stat says: the read fails
    await expect(cache.content(handle, stat)).rejects.toThrow(/shrank/);
    await handle.close();
    expect(cache.size).toBe(0);
    expect((await fetchFrom(cache, p))?.length).toBe(100);
  });
});
