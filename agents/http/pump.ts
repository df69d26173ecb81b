// Copies a byte range of an open file to an HTTP response through one reused buffer: read a chunk,
// write it, wait until the socket took it (the write callback), read the next into the same memory.
// Buffers come from a small free list, so a storm of transfers does not allocate a megabyte per chunk.
import type { ServerResponse } from 'node:http';
import type { FileHandle } from 'node:fs/promises';

/** 1 MiB reads: kernels and initrds are tens of MB; 64 KiB chunks cost many more event-loop turns. */
export const CHUNK_BYTES = 1 << 20;
/** Free buffers kept between transfers (more are left to the garbage collector). */
const POOL_SIZE = 8;
const pool: Buffer[] = [];

function take(): Buffer {
  return pool.pop() ?? Buffer.allocUnsafeSlow(CHUNK_BYTES);
}

function giveBack(buffer: Buffer): void {
  if (pool.length < POOL_SIZE) pool.push(buffer);
}

/** Resolves once `chunk` is written to the socket; rejects if the response closes first. */
function write(res: ServerResponse, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    // A write to a socket destroyed meanwhile may never call back: 'close' settles it.
    const closed = (): void => reject(new Error('the client closed the connection'));
    res.once('close', closed);
    res.write(chunk, (error) => {
      res.off('close', closed);
      if (error) reject(error);
      else resolve();
    });
  });
}

/** Writes bytes `start`…`end` (inclusive) of `handle` to `res` (not ended). */
export async function pump(
  res: ServerResponse,
  handle: FileHandle,
  range: { start: number; end: number },
): Promise<void> {
  const buffer = take();
  for (let position = range.start; position <= range.end;) {
    const wanted = Math.min(buffer.length, range.end + 1 - position);
    const { bytesRead } = await handle.read(buffer, 0, wanted, position);
    if (bytesRead === 0) throw new Error('the file shrank while being sent');
    await write(res, buffer.subarray(0, bytesRead));
    position += bytesRead;
  }
  // Only a buffer no pending write refers to goes back (an error above leaves it to the collector).
  giveBack(buffer);
}
