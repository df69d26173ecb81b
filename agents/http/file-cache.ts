// Hot boot files in memory. In a boot storm every node of an image fetches the same kernel and initrd:
// sending them from memory costs one copy per client (into the socket) instead of two (page cache →
// buffer → socket) plus a read per chunk, and all clients share one buffer instead of one each.
// Entries are keyed by what identifies the content of an unpacked image file (device, inode, size,
// mtime: images are immutable once unpacked), so a replaced file is a new entry, never stale data. The
// file is still opened per request (confinement, O_NOFOLLOW); only its bytes come from here.
import type { FileHandle } from 'node:fs/promises';

export interface FileCacheOptions {
  /** Bytes kept in memory at most (0 disables the cache). */
  maxBytes: number;
  /** Larger files are never kept (they are streamed). */
  maxFileBytes: number;
}

/** 128 MiB: the kernels and initrds of a few images; a file over 64 MiB is streamed. */
export const DEFAULT_FILE_CACHE: FileCacheOptions = { maxBytes: 128 << 20, maxFileBytes: 64 << 20 };

export interface FileIdentity {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
}

interface Entry {
  size: number;
  content: Promise<Buffer>;
}

/** Reads all `size` bytes of `handle`; fails if the file is shorter (it changed since its stat). */
async function readWhole(handle: FileHandle, size: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafeSlow(size);
  let offset = 0;
  while (offset < size) {
    const { bytesRead } = await handle.read(buffer, offset, size - offset, offset);
    if (bytesRead === 0) throw new Error(`the file shrank while being read (${offset} of ${size} bytes)`);
    offset += bytesRead;
  }
  return buffer;
}

export class FileCache {
  /** In least recently used first order (a Map iterates in insertion order; a hit re-inserts). */
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(private readonly options: FileCacheOptions = DEFAULT_FILE_CACHE) {}

  /** Bytes held (or being read). */
  get size(): number {
    return this.bytes;
  }

  /**
   * The whole content of the open file `handle` whose stat is `identity`, read once for all the
   * requests that want it at the same time; undefined when the file is not kept (too large, disabled).
   */
  content(handle: FileHandle, identity: FileIdentity): Promise<Buffer> | undefined {
    const { size } = identity;
    if (size > this.options.maxFileBytes || size > this.options.maxBytes) return undefined;
    const key = `${identity.dev}:${identity.ino}:${size}:${identity.mtimeMs}`;
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.content;
    }
    this.makeRoom(size);
    const entry: Entry = { size, content: readWhole(handle, size) };
    this.entries.set(key, entry);
    this.bytes += size;
    // A failed read is not kept: the next request tries again.
    entry.content.catch(() => this.drop(key, entry));
    return entry.content;
  }

  private makeRoom(size: number): void {
    for (const [key, entry] of this.entries) {
      if (this.bytes + size <= this.options.maxBytes) return;
      this.drop(key, entry);
    }
  }

  private drop(key: string, entry: Entry): void {
    if (this.entries.get(key) !== entry) return;
    this.entries.delete(key);
    this.bytes -= entry.size;
  }
}
