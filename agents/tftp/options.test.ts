import { negotiateOptions } from './options.js';

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
    [{ windowsize: '0' }],
    [{ tsize: 'x' }],
    [{ multicast: '' }],
  ])('ignores %j: no OACK, RFC 1350 defaults', (requested) => {
    expect(negotiateOptions(requested, 10, limits)).toEqual({ blksize: 512, windowsize: 1 });
  });
});
