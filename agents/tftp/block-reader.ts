// Reads the blocks of a transfer from an open file at their offsets, through a small read-ahead buffer
// (a window's worth, at least 64 KiB, at most 1 MiB): big files are streamed, never held whole.
import type { FileHandle } from 'node:fs/promises';

const MIN_CHUNK = 64 * 1024;
const MAX_CHUNK = 1024 * 1024;

export class BlockReader {
  private readonly handle: FileHandle;
  private readonly buffer: Buffer;
  private start = 0;
  private end = 0;

  constructor(handle: FileHandle, blksize: number, windowsize: number) {
    this.handle = handle;
    const chunk = Math.max(blksize, Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, blksize * windowsize)));
    this.buffer = Buffer.allocUnsafe(chunk);
  }

  /** Whether the read-ahead buffer holds the `length` bytes at `offset`. */
  holds(offset: number, length: number): boolean {
    return length === 0 || (offset >= this.start && offset + length <= this.end);
  }

  /**
   * Copies `length` bytes at `offset` of the file into `target` at `targetOffset` when the read-ahead
   * buffer holds them all (most blocks: no read, no promise); undefined when a read is needed.
   */
  copyBuffered(target: Buffer, targetOffset: number, offset: number, length: number): number | undefined {
    if (length === 0) return 0;
    if (!this.holds(offset, length)) return undefined;
    const from = offset - this.start;
    return this.buffer.copy(target, targetOffset, from, from + length);
  }

  /**
   * Copies `length` bytes at `offset` of the file into `target` at `targetOffset`; returns the number of
   * bytes copied (fewer only if the file shrank).
   */
  async readInto(target: Buffer, targetOffset: number, offset: number, length: number): Promise<number> {
    if (length === 0) return 0;
    if (offset < this.start || offset + length > this.end) await this.fill(offset);
    const from = offset - this.start;
    const available = Math.max(0, Math.min(length, this.end - offset));
    return this.buffer.copy(target, targetOffset, from, from + available);
  }

  private async fill(offset: number): Promise<void> {
    const { bytesRead } = await this.handle.read(this.buffer, 0, this.buffer.length, offset);
    this.start = offset;
    this.end = offset + bytesRead;
  }
}
