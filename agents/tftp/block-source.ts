// Where a transfer's DATA packets come from: ready-made from the packet cache (packet-cache.ts), or
// built per block from the file through a read-ahead buffer (block-reader.ts), converted to netascii on
// the way in that mode. Either way a packet is available synchronously when it can be, so that a
// lock-step transfer needs no promise per block.
import type { FileHandle } from 'node:fs/promises';
import { BlockReader } from './block-reader.js';
import { encodeNetascii, netasciiSize, NO_CARRY } from './netascii.js';
import { writeDataHeader } from './packet.js';
import { blockRange } from './transfer.js';

export interface BlockSource {
  /** The DATA packet of block `seq` now, or undefined when the file must be read first. */
  packet(seq: number): Buffer | undefined;
  /** The DATA packet of block `seq`, reading the file if needed. */
  read(seq: number): Promise<Buffer>;
}

export function cachedBlocks(packets: readonly Buffer[]): BlockSource {
  const get = (seq: number): Buffer => {
    const packet = packets[seq - 1];
    if (!packet) throw new Error(`block ${seq} is past the end of the file`);
    return packet;
  };
  return { packet: get, read: (seq) => Promise.resolve(get(seq)) };
}

export interface StreamedFile {
  handle: FileHandle;
  path: string;
  size: number;
  blksize: number;
  windowsize: number;
}

/** Blocks read from the file: a new packet per block (a packet may still be in the socket's queue). */
export function streamedBlocks(file: StreamedFile): BlockSource {
  const reader = new BlockReader(file.handle, file.blksize, file.windowsize);
  const range = (seq: number): { offset: number; length: number } => blockRange(file.size, file.blksize, seq);
  const filled = (packet: Buffer, copied: number): Buffer => {
    if (copied !== packet.length - 4) throw new Error(`${file.path} shrank during the transfer`);
    return packet;
  };
  return {
    packet(seq) {
      const { offset, length } = range(seq);
      if (!reader.holds(offset, length)) return undefined;
      const packet = Buffer.allocUnsafe(4 + length);
      writeDataHeader(packet, seq);
      return filled(packet, reader.copyBuffered(packet, 4, offset, length) ?? -1);
    },
    async read(seq) {
      const { offset, length } = range(seq);
      const packet = Buffer.allocUnsafe(4 + length);
      writeDataHeader(packet, seq);
      return filled(packet, await reader.readInto(packet, 4, offset, length));
    },
  };
}

export interface NetasciiFile extends StreamedFile {
  /** Bytes of the file in netascii (netasciiSizeOf): what the transfer sends. */
  netSize: number;
}

/** Where a netascii block starts in the file: a source offset and the byte an expansion left over. */
interface BlockStart {
  offset: number;
  carry: number;
}

/**
 * Blocks of a file converted to netascii as they are sent. A netascii block does not start at a fixed
 * file offset (expansions shift it), so the start of each block is recorded when the block before it is
 * built. A transfer asks for the next new block or resends one of its last window, never further back
 * (transfer.ts), so the starts of the last window + 1 blocks are all that is kept.
 */
export function netasciiBlocks(file: NetasciiFile): BlockSource {
  const reader = new BlockReader(file.handle, file.blksize, file.windowsize);
  const scratch = Buffer.allocUnsafe(file.blksize);
  const starts = new Map<number, BlockStart>([[1, { offset: 0, carry: NO_CARRY }]]);
  const startOf = (seq: number): { start: BlockStart; need: number } => {
    const start = starts.get(seq);
    if (!start) throw new Error(`netascii block ${seq} of ${file.path} asked out of order`);
    // A block of blksize bytes never needs more than blksize source bytes (each gives one or two).
    return { start, need: Math.max(0, Math.min(file.blksize, file.size - start.offset)) };
  };
  const build = (seq: number, start: BlockStart, copied: number): Buffer => {
    const { length } = blockRange(file.netSize, file.blksize, seq);
    const packet = Buffer.allocUnsafe(4 + length);
    writeDataHeader(packet, seq);
    const step = encodeNetascii(scratch.subarray(0, copied), start.carry, packet.subarray(4));
    if (step.written !== length) throw new Error(`${file.path} changed during the transfer`);
    starts.set(seq + 1, { offset: start.offset + step.consumed, carry: step.carry });
    starts.delete(seq - file.windowsize - 1);
    return packet;
  };
  return {
    packet(seq) {
      const { start, need } = startOf(seq);
      if (!reader.holds(start.offset, need)) return undefined;
      return build(seq, start, reader.copyBuffered(scratch, 0, start.offset, need) ?? 0);
    },
    async read(seq) {
      const { start, need } = startOf(seq);
      return build(seq, start, await reader.readInto(scratch, 0, start.offset, need));
    },
  };
}

/** The netascii size of the first `size` bytes of an open file, read in 1 MiB chunks. */
export async function netasciiSizeOf(handle: FileHandle, size: number): Promise<number> {
  const chunk = Buffer.allocUnsafe(Math.min(size, 1 << 20));
  let total = 0;
  for (let offset = 0; offset < size;) {
    const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, size - offset), offset);
    if (bytesRead === 0) throw new Error('the file shrank while its netascii size was counted');
    total += netasciiSize(chunk.subarray(0, bytesRead));
    offset += bytesRead;
  }
  return total;
}
