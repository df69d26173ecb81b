// Where a transfer's DATA packets come from: ready-made from the packet cache (packet-cache.ts), or
// built per block from the file through a read-ahead buffer (block-reader.ts). Either way a packet is
// available synchronously when it can be, so that a lock-step transfer needs no promise per block.
import type { FileHandle } from 'node:fs/promises';
import { BlockReader } from './block-reader.js';
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
