// Hot boot files in memory. In a boot storm every node of an image fetches the same kernel and initrd:
// sending them from memory costs one copy per client (into the socket) instead of two (page cache →
// buffer → socket) plus a read per chunk, and all clients share one buffer instead of one each.
// Entries are keyed by what identifies the content of an unpacked image file (device, inode, size,
// mtime: images are immutable once unpacked), so a replaced file is a new entry, never stale data. The
// file is still opened per request (confinement, O_NOFOLLOW); only its bytes come from here.
import type { FileHandle } from 'node:fs/promises';
import type { CacheObserver } from '../netboot/byte-budget-lru.js';
import { FileValueCache, type FileValueCacheOptions } from '../netboot/file-value-cache.js';
import type { FileIdentity } from '../netboot/read-whole.js';

export type { FileIdentity } from '../netboot/read-whole.js';

export type FileCacheOptions = FileValueCacheOptions;

/** 128 MiB: the kernels and initrds of a few images; a file over 64 MiB is streamed. */
export const DEFAULT_FILE_CACHE: FileCacheOptions = { maxBytes: 128 << 20, maxFileBytes: 64 << 20 };

export class FileCache {
  private readonly cache: FileValueCache<Buffer>;

  constructor(options: FileCacheOptions = DEFAULT_FILE_CACHE, observer?: CacheObserver) {
    this.cache = new FileValueCache(options, observer);
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
    return this.cache.value(handle, identity, { variant: 'file', bytes: identity.size, make: (c) => c });
  }
}
