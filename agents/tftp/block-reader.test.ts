// The read-ahead buffer: blocks it holds are copied synchronously, others are read first.
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BlockReader } from './block-reader.js';

describe('BlockReader', () => {
  let dir: string;
  const content = randomBytes(200_000);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'walt-tftp-blocks-'));
    await writeFile(path.join(dir, 'file'), content);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('copies buffered blocks synchronously and reads the others', async () => {
    const handle = await open(path.join(dir, 'file'));
    try {
      const reader = new BlockReader(handle, 1468, 1);
      const target = Buffer.alloc(1468);
      expect(reader.copyBuffered(target, 0, 0, 1468)).toBeUndefined();
      expect(await reader.readInto(target, 0, 0, 1468)).toBe(1468);
      expect(target.equals(content.subarray(0, 1468))).toBe(true);
      // The next blocks are in the read-ahead buffer (64 KiB): no read needed.
      expect(reader.copyBuffered(target, 0, 1468, 1468)).toBe(1468);
      expect(target.equals(content.subarray(1468, 2936))).toBe(true);
      // Past the buffer: a read again, then the short last block.
      expect(reader.copyBuffered(target, 0, 70_000, 1468)).toBeUndefined();
      const last = content.length - 100;
      expect(await reader.readInto(target, 0, last, 100)).toBe(100);
      expect(target.subarray(0, 100).equals(content.subarray(last))).toBe(true);
      expect(reader.copyBuffered(target, 0, 0, 0)).toBe(0);
    } finally {
      await handle.close();
    }
  });
});
