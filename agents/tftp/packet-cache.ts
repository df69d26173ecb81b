// DATA packets of hot boot files, built once per file and block size and shared by every transfer of
// them. In a boot storm every node fetches the same loader or kernel in lock step: a block is then one
// `send` of a ready packet, with no allocation, copy or read per block (Node's fixed cost per datagram
// is already several times dnsmasq's). Keyed by what identifies an unpacked image file's content, like
// the HTTP file cache; larger files are streamed through a read-ahead buffer (block-reader.ts).
import type { FileHandle } from 'node:fs/promises';
import type { CacheObserver } from '../netboot/byte-budget-lru.js';
import { FileValueCache, type FileValueCacheOptions } from '../netboot/file-value-cache.js';
import type { FileIdentity } from '../netboot/read-whole.js';
import { toNetascii } from './netascii.js';
import { writeDataHeader } from './packet.js';
import { blockCount } from './transfer.js';

/** maxBytes counts the packets' headers too. */
export type PacketCacheOptions = FileValueCacheOptions;

/** 64 MiB: the loaders, kernels and device trees a Raspberry Pi or PXE storm asks for. */
export const DEFAULT_PACKET_CACHE: PacketCacheOptions = { maxBytes: 64 << 20, maxFileBytes: 32 << 20 };

/** The DATA packets of `content` (packet i carries block i + 1), views into one buffer. */
export function buildDataPackets(content: Buffer, blksize: number): Buffer[] {
  const count = blockCount(content.length, blksize);
  const slab = Buffer.allocUnsafeSlow(content.length + 4 * count);
  const packets: Buffer[] = new Array<Buffer>(count);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const from = i * blksize;
    const length = Math.min(blksize, content.length - from);
    const packet = slab.subarray(at, at + 4 + length);
    writeDataHeader(packet, i + 1);
    content.copy(packet, 4, from, from + length);
    packets[i] = packet;
    at += 4 + length;
  }
  return packets;
}

export class PacketCache {
  private readonly cache: FileValueCache<readonly Buffer[]>;

  constructor(options: PacketCacheOptions = DEFAULT_PACKET_CACHE, observer?: CacheObserver) {
    this.cache = new FileValueCache(options, observer);
  }

  /** Bytes held (or being built). */
  get size(): number {
    return this.cache.size;
  }

  /**
   * The DATA packets of the open file `handle` whose stat is `identity`, built once for every transfer
   * at `blksize` in `mode`; undefined when the file is not kept (too large, cache disabled). In netascii
   * the budget is taken for the worst case (every byte a line end: twice the size).
   */
  packets(
    handle: FileHandle,
    identity: FileIdentity,
    blksize: number,
    mode: 'octet' | 'netascii' = 'octet',
  ): Promise<readonly Buffer[]> | undefined {
    if (mode === 'netascii') {
      const worst = 2 * identity.size;
      return this.cache.value(handle, identity, {
        variant: `netascii blksize ${blksize}`,
        bytes: worst + 4 * blockCount(worst, blksize),
        make: (content) => buildDataPackets(toNetascii(content), blksize),
      });
    }
    return this.cache.value(handle, identity, {
      variant: `blksize ${blksize}`,
      bytes: identity.size + 4 * blockCount(identity.size, blksize),
      make: (content) => buildDataPackets(content, blksize),
    });
  }
}

/** Bytes the DATA packets of one file carry (every packet but the last is full). */
export function payloadSize(packets: readonly Buffer[], blksize: number): number {
  const last = packets[packets.length - 1];
  return last ? (packets.length - 1) * blksize + last.length - 4 : 0;
}
