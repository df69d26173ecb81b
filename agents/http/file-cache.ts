// Hot boot files in memory. In a boot storm every node of an image fetches the same kernel and initrd:
// sending them from memory costs one copy per client (into the socket) instead of two (page cache →
// buffer → socket) plus a read per chunk, and all clients share one buffer instead of one each.
// Entries are keyed by what identifies the content of an unpacked image file (device, inode, size,
// mtime: images are immutable once unpacked), so a replaced file is a new entry, never stale data. The
// file is still opened per request (confinement, O_NOFOLLOW); only its bytes come from here.
import type { FileHandle } from 'node:fs/promises';
import { BoundedCache, type CacheObserver } from '../netboot/bounded-cache.js';
import { identityKey, readWhole, type FileIdentity } from '../netboot/read-whole.js';

export type { FileIdentity } from '../netboot/read-whole.js';

export interface FileCacheOptions {
  /** Bytes kept in memory at most (0 disables the cache). */
  maxBytes: number;
  /** Larger files are never kept (they are streamed). */
  maxFileBytes: number;
}

/** 128 MiB: the kernels and initrds of a few images; a file over 64 MiB is streamed. */
export const DEFAULT_FILE_CACHE: FileCacheOptions = { maxBytes: 128 << 20, maxFileBytes: 64 << 20 };

export class FileCache {
  private readonly cache: BoundedCache<Buffer>;

  constructor(
    private readonly options: FileCacheOptions = DEFAULT_FILE_CACHE,
    private readonly observer?: CacheObserver,
  ) {
    this.cache = new BoundedCache(options.maxBytes, observer);
  }

  /** Bytes held (or being read). */
  get size(): number {
    return this.cache.size;
  }

  /**
   * The whole content of the open file `handle` whose stat is `identity`, read once for all the
   * requests that want it at the same time; undefined when the file is not kept (too large, disabled).
   */
  content(handle: FileHandle, identity: FileIdentity): Promise<Buffer> | undefined {
    const { size } = identity;
    if (size > this.options.maxFileBytes) {
      this.observer?.lookup('uncached');
      return undefined;
    }
    return this.cache.get(identityKey(identity), size, () => readWhole(handle, size));
  }
}
