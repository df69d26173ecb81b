// DATA packets built once per file and block size: golden layout, block numbers past 65535, one read for
// concurrent transfers, nothing kept that is too large.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildDataPackets, PacketCache } from './packet-cache.js';

describe('buildDataPackets', () => {
  it('lays out opcode 3, the block number and the block bytes; the last block is short', () => {
    const packets = buildDataPackets(Buffer.from('abcdefghij'), 4);
    expect(packets.map((p) => p.toString('hex'))).toEqual([
      '0003000161626364',
      '0003000265666768',
      '00030003696a',
    ]);
  });

  it('ends a file whose size is a multiple of blksize with an empty block, and an empty file too', () => {
    expect(buildDataPackets(Buffer.from('abcdefgh'), 4).map((p) => p.toString('hex'))).toEqual([
      '0003000161626364',
      '0003000265666768',
      '00030003',
    ]);
    expect(buildDataPackets(Buffer.alloc(0), 512).map((p) => p.toString('hex'))).toEqual(['00030001']);
  });

  it('wraps block numbers past 65535 to 0 (as tftpd-hpa does)', () => {
    const packets = buildDataPackets(Buffer.alloc(65537), 1);
    expect(packets[65534]!.readUInt16BE(2)).toBe(65535);
    expect(packets[65535]!.readUInt16BE(2)).toBe(0);
    expect(packets[65536]!.readUInt16BE(2)).toBe(1);
  });

  it('gives back the content when the payloads are joined', () => {
    const content = randomBytes(100_000);
    const joined = Buffer.concat(buildDataPackets(content, 1468).map((p) => p.subarray(4)));
    expect(joined.equals(content)).toBe(true);
  });
});

describe('PacketCache', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'walt-tftp-packets-'));
  });
  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  async function packetsOf(
    cache: PacketCache,
    name: string,
    blksize: number,
    reads: { count: number },
  ): Promise<readonly Buffer[] | undefined> {
    const handle = await fs.open(path.join(dir, name));
    try {
      const read = handle.read.bind(handle);
      handle.read = (...args: Parameters<typeof read>) => {
        reads.count += 1;
        return read(...args);
      };
      return await cache.packets(handle, await handle.stat(), blksize);
    } finally {
      await handle.close();
    }
  }

  it('reads a file once for concurrent transfers, and once more for another block size', async () => {
    const content = randomBytes(50_000);
    await fs.writeFile(path.join(dir, 'shared'), content);
    const cache = new PacketCache({ maxBytes: 1 << 20, maxFileBytes: 1 << 20 });
    const reads = { count: 0 };
    const all = await Promise.all(Array.from({ length: 5 }, () => packetsOf(cache, 'shared', 1468, reads)));
    expect(reads.count).toBe(1);
    for (const packets of all) expect(packets).toBe(all[0]);
    expect(all[0]).toHaveLength(35);
    const other = await packetsOf(cache, 'shared', 512, reads);
    expect(reads.count).toBe(2);
    expect(other).toHaveLength(98);
    // Both layouts are held: content plus 4 header bytes per packet.
    expect(cache.size).toBe(2 * content.length + 4 * (35 + 98));
  });

  it('keeps nothing larger than maxFileBytes, nor anything when maxBytes is 0', async () => {
    await fs.writeFile(path.join(dir, 'big'), Buffer.alloc(3000));
    const reads = { count: 0 };
    const small = new PacketCache({ maxBytes: 1 << 20, maxFileBytes: 2000 });
    expect(await packetsOf(small, 'big', 512, reads)).toBeUndefined();
    const off = new PacketCache({ maxBytes: 0, maxFileBytes: 1 << 20 });
    expect(await packetsOf(off, 'big', 512, reads)).toBeUndefined();
    expect(reads.count).toBe(0);
  });
});
