// netascii conversion: examples from RFC 1350 / RFC 764, and properties over arbitrary bytes (fast-check):
// the reverse gives the file back, the size is known up front, and a conversion cut into blocks of any
// size (an expansion split across two blocks included) equals the whole conversion.
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { netasciiBlocks, netasciiSizeOf, type BlockSource } from './block-source.js';
import { encodeNetascii, fromNetascii, netasciiSize, NO_CARRY, toNetascii } from './netascii.js';
import { blockCount } from './transfer.js';

/** Bytes with many CR and LF, where the conversion has work to do. */
const texty = fc
  .array(fc.oneof(fc.constant(0x0a), fc.constant(0x0d), fc.constant(0), fc.integer({ min: 0, max: 255 })), {
    maxLength: 3000,
  })
  .map((bytes) => Buffer.from(bytes));

/** The conversion done block by block, as a transfer does it. */
function inBlocks(content: Buffer, blksize: number): Buffer[] {
  const blocks: Buffer[] = [];
  let offset = 0;
  let carry = NO_CARRY;
  const total = netasciiSize(content);
  for (let seq = 1; seq <= blockCount(total, blksize); seq++) {
    const out = Buffer.alloc(Math.min(blksize, total - (seq - 1) * blksize));
    const step = encodeNetascii(content.subarray(offset), carry, out);
    expect(step.written).toBe(out.length);
    offset += step.consumed;
    carry = step.carry;
    blocks.push(out);
  }
  expect(offset).toBe(content.length);
  expect(carry).toBe(NO_CARRY);
  return blocks;
}

describe('netascii', () => {
  it('sends LF as CR LF and CR as CR NUL (a stored CR LF as CR NUL CR LF)', () => {
    expect(toNetascii(Buffer.from('default vesamenu.c32\nlabel a\r\n', 'latin1')).toString('latin1')).toBe(
      'default vesamenu.c32\r\nlabel a\r\0\r\n',
    );
    expect(toNetascii(Buffer.alloc(0)).length).toBe(0);
  });

  it('round-trips any bytes, and knows the converted size up front', () => {
    fc.assert(
      fc.property(texty, (content) => {
        const wire = toNetascii(content);
        expect(wire.length).toBe(netasciiSize(content));
        expect(fromNetascii(wire).equals(content)).toBe(true);
      }),
    );
  });

  it('cut into blocks of any size, gives the same bytes as the whole conversion', () => {
    fc.assert(
      fc.property(texty, fc.integer({ min: 1, max: 600 }), (content, blksize) => {
        expect(Buffer.concat(inBlocks(content, blksize)).equals(toNetascii(content))).toBe(true);
      }),
    );
  });

  it('carries the second byte of an expansion cut by a block boundary into the next block', () => {
    // "ab\n" in blocks of 3: "ab\r" then "\n"
    const blocks = inBlocks(Buffer.from('ab\n'), 3);
    expect(blocks.map((b) => b.toString('latin1'))).toEqual(['ab\r', '\n']);
  });
});

/** Blocks `from` to the last of `payloads`, read again, equal what was sent. */
async function expectResent(source: BlockSource, from: number, payloads: Buffer[]): Promise<void> {
  for (let again = from; again <= payloads.length; again++)
    expect((await source.read(again)).subarray(4).equals(payloads[again - 1]!)).toBe(true);
}

describe('netasciiBlocks: converted as the file streams', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'walt-netascii-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('gives the packets of the whole conversion, a resent window included, and counts the size', async () => {
    await fc.assert(
      fc.asyncProperty(
        texty,
        fc.integer({ min: 8, max: 700 }),
        fc.integer({ min: 1, max: 4 }),
        async (content, blksize, windowsize) => {
          const file = path.join(dir, 'f');
          await writeFile(file, content);
          const handle = await open(file);
          try {
            const netSize = await netasciiSizeOf(handle, content.length);
            expect(netSize).toBe(netasciiSize(content));
            const source = netasciiBlocks({
              handle,
              path: file,
              size: content.length,
              blksize,
              windowsize,
              netSize,
            });
            const expected = toNetascii(content);
            const payloads: Buffer[] = [];
            const last = blockCount(netSize, blksize);
            for (let seq = 1; seq <= last; seq++) {
              const packet = source.packet(seq) ?? (await source.read(seq));
              expect(packet.readUInt16BE(2)).toBe(seq & 0xffff);
              payloads.push(packet.subarray(4));
              // A window is resent now and then: its blocks come out the same.
              if (seq % 5 === 0) await expectResent(source, Math.max(1, seq - windowsize + 1), payloads);
            }
            expect(Buffer.concat(payloads).equals(expected)).toBe(true);
          } finally {
            await handle.close();
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
