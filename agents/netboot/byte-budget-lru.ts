// Values built from files, kept in memory under a byte budget, least recently used out first. A value
// being built is shared by every caller asking for it meanwhile (a boot storm reads a file once); a
// build that fails is forgotten, so the next caller tries again.

/** What a cache tells its metrics (boot-file-cache-metrics.ts). */
export interface CacheObserver {
  /** hit: held already; miss: built now; uncached: not kept (too large). */
  lookup(result: 'hit' | 'miss' | 'uncached'): void;
  /** The bytes held after a change. */
  held(bytes: number): void;
}

interface Entry<T> {
  bytes: number;
  value: Promise<T>;
}

export class BoundedCache<T> {
  /** In least recently used first order (a Map iterates in insertion order; a hit re-inserts). */
  private readonly entries = new Map<string, Entry<T>>();
  private held = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly observer?: CacheObserver,
  ) {}

  /** Bytes held (or being built). */
  get size(): number {
    return this.held;
  }

  /** The value of `key`, built by `build` when missing; undefined when `bytes` cannot fit at all. */
  get(key: string, bytes: number, build: () => Promise<T>): Promise<T> | undefined {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      this.observer?.lookup('hit');
      return hit.value;
    }
    if (bytes > this.maxBytes) {
      this.observer?.lookup('uncached');
      return undefined;
    }
    this.observer?.lookup('miss');
    this.makeRoom(bytes);
    const entry: Entry<T> = { bytes, value: build() };
    this.entries.set(key, entry);
    this.held += bytes;
    this.observer?.held(this.held);
    entry.value.catch(() => this.drop(key, entry));
    return entry.value;
  }

  private makeRoom(bytes: number): void {
    for (const [key, entry] of this.entries) {
      if (this.held + bytes <= this.maxBytes) return;
      this.drop(key, entry);
    }
  }

  private drop(key: string, entry: Entry<T>): void {
    if (this.entries.get(key) !== entry) return;
    this.entries.delete(key);
    this.held -= entry.bytes;
    this.observer?.held(this.held);
  }
}
