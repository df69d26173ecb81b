import fc from 'fast-check';
import { MAX_WINDOWSIZE, MIN_BLKSIZE, negotiateOptions } from './options.js';
import { MAX_BLKSIZE } from './packet.js';

const limits = { maxBlksize: 1468, maxWindow: 16 };

describe('negotiateOptions', () => {
  it('accepts in-range options and answers tsize with the file size', () => {
    expect(
      negotiateOptions({ blksize: '1024', tsize: '0', timeout: '3', windowsize: '8' }, 4242, limits),
    ).toEqual({
      blksize: 1024,
      windowsize: 8,
      timeoutSec: 3,
      oack: { blksize: '1024', tsize: '4242', timeout: '3', windowsize: '8' },
    });
  });

  it('lowers values above the server limits', () => {
    expect(negotiateOptions({ blksize: '65464', windowsize: '65535' }, 1, limits)).toMatchObject({
      blksize: 1468,
      windowsize: 16,
      oack: { blksize: '1468', windowsize: '16' },
    });
  });

  it.each([
    [{ blksize: '7' }],
    [{ blksize: 'abc' }],
    [{ blksize: '-1' }],
    [{ timeout: '0' }],
    [{ timeout: '256' }],
    [{ timeout: '11' }],
    [{ timeout: '4294967295' }],
    [{ blksize: '12345678901' }],
    [{ windowsize: '0' }],
    [{ tsize: 'x' }],
    [{ multicast: '' }],
  ])('ignores %j: no OACK, RFC 1350 defaults', (requested) => {
    expect(negotiateOptions(requested, 10, limits)).toEqual({ blksize: 512, windowsize: 1 });
  });
});

describe('negotiateOptions: every value bounded, whatever the client asks', () => {
  it('keeps blksize, windowsize and timeout inside the documented ranges', () => {
    const value = fc.oneof(fc.nat({ max: 2 ** 32 }).map(String), fc.string({ maxLength: 12 }));
    fc.assert(
      fc.property(value, value, value, value, (blksize, windowsize, timeout, tsize) => {
        const p = negotiateOptions({ blksize, windowsize, timeout, tsize }, 99, {
          maxBlksize: MAX_BLKSIZE,
          maxWindow: MAX_WINDOWSIZE,
        });
        expect(p.blksize).toBeGreaterThanOrEqual(MIN_BLKSIZE);
        expect(p.blksize).toBeLessThanOrEqual(MAX_BLKSIZE);
        expect(p.windowsize).toBeGreaterThanOrEqual(1);
        expect(p.windowsize).toBeLessThanOrEqual(MAX_WINDOWSIZE);
        if (p.timeoutSec !== undefined) expect(p.timeoutSec).toBeLessThanOrEqual(10);
        if (p.oack?.tsize !== undefined) expect(p.oack.tsize).toBe('99');
      }),
    );
  });

  it('agrees to a longer timeout only when the server allows it, never past 255 s', () => {
    expect(negotiateOptions({ timeout: '60' }, 1, { ...limits, maxTimeoutSec: 60 }).timeoutSec).toBe(60);
    expect(negotiateOptions({ timeout: '255' }, 1, { ...limits, maxTimeoutSec: 1000 }).timeoutSec).toBe(255);
    expect(
      negotiateOptions({ timeout: '256' }, 1, { ...limits, maxTimeoutSec: 1000 }).timeoutSec,
    ).toBeUndefined();
  });
});
