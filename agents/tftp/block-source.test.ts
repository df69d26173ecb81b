// Both sources of DATA packets give the same packets; the streamed one reads only when its read-ahead
// buffer lacks the block, and notices a file that shrank.
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { cachedBlocks, streamedBlocks } from './block-source.js';
import { buildDataPackets } from './packet-cache.js';

describe('block sources', () => {
  let dir: string;
  const content = randomBytes(200_000);
  const blksize = 1468;
  const count = Math.floor(content.length / blksize) + 1;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'walt-tftp-source-'));
    await writeFile(path.join(dir, 'file'), content);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('streamed packets equal the cached ones, synchronously while buffered', async () => {
    const cached = cachedBlocks(buildDataPackets(content, blksize));
    const handle = await open(path.join(dir, 'file'));
    try {
      const file = { handle, path: 'file', size: content.length, blksize, windowsize: 1 };
      const streamed = streamedBlocks(file);
      let reads = 0;
      for (let seq = 1; seq <= count; seq++) {
        let packet = streamed.packet(seq);
        if (!packet) {
          reads += 1;
          packet = await streamed.read(seq);
        }
        expect(packet.equals(cached.packet(seq)!)).toBe(true);
      }
      // 64 KiB read-ahead: a read every 44 blocks of 1468 bytes.
      expect(reads).toBe(Math.ceil(content.length / (64 * 1024)));
    } finally {
      await handle.close();
    }
  });

  it('refuses a block past the end of the cached file', async () => {
    const cached = cachedBlocks(buildDataPackets(content, blksize));
    expect(() => cached.packet(count + 1)).toThrow(/past the end/);
    await expect(cached.read(count)).resolves.toHaveLength(4 + (content.length % blksize));
  });

  it('fails a streamed transfer whose file shrank', async () => {
    const p = path.join(dir, 'shrinking');
    await writeFile(p, content);
    const handle = await open(p);
    try {
      const streamed = streamedBlocks({ handle, path: p, size: content.length, blksize, windowsize: 1 });
      await truncate(p, 1000);
      await expect(streamed.read(2)).rejects.toThrow(/shrank during the transfer/);
    } finally {
      await handle.close();
    }
  });
});
