// Values made from whole files (the file itself, for HTTP; its DATA packets, for TFTP), kept under a
// byte budget (byte-budget-lru.ts). Keyed by what identifies an unpacked image file's content (device,
// inode, size, mtime: images are immutable once unpacked), so a replaced file is a new entry, never
// stale data; files above a size limit are never kept (they are streamed).
import type { FileHandle } from 'node:fs/promises';
import { BoundedCache, type CacheObserver } from './byte-budget-lru.js';
import { identityKey, readWhole, type FileIdentity } from './read-whole.js';

export interface FileValueCacheOptions {
  /** Bytes kept in memory at most (0 disables the cache). */
  maxBytes: number;
  /** Larger files are never kept (they are streamed). */
  maxFileBytes: number;
}

/** How a value is made from a file's content: its variant (part of the key) and its size in memory. */
export interface ValueRecipe<T> {
  variant: string;
  bytes: number;
  make(content: Buffer): T;
}

export class FileValueCache<T> {
  private readonly cache: BoundedCache<T>;

  constructor(
    private readonly options: FileValueCacheOptions,
    private readonly observer?: CacheObserver,
  ) {
    this.cache = new BoundedCache(options.maxBytes, observer);
  }

  /** Bytes held (or being built). */
  get size(): number {
    return this.cache.size;
  }

  /**
   * The value `recipe` makes from the open file `handle` whose stat is `identity`, made once for all
   * the callers that want it meanwhile; undefined when it is not kept (file too large, cache disabled).
   */
  value(handle: FileHandle, identity: FileIdentity, recipe: ValueRecipe<T>): Promise<T> | undefined {
    const { size } = identity;
    if (size > this.options.maxFileBytes) {
      this.observer?.lookup('uncached');
      return undefined;
    }
    const key = `${identityKey(identity)}:${recipe.variant}`;
    return this.cache.get(key, recipe.bytes, async () => recipe.make(await readWhole(handle, size)));
  }
}
