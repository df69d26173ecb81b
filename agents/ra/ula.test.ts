import { segmentUla } from './ula.js';

describe('segmentUla', () => {
  it('is a stable unique local /64 per segment', () => {
    const a = segmentUla('lab');
    expect(a).toEqual(segmentUla('lab'));
    expect(a.prefix).toMatch(/^fd[0-9a-f]{2}:[0-9a-f]{1,4}:[0-9a-f]{1,4}:1::$/);
    expect(a.address).toBe(`${a.prefix}1`);
    expect(segmentUla('other').prefix).not.toBe(a.prefix);
  });

  it('is written in the canonical text form (RFC 5952), as rdisc6 and ip print it back', () => {
    // 256 names: groups with leading zeros come up (1 in 16 per group)
    for (let i = 0; i < 256; i++) {
      const { address } = segmentUla(`segment-${i}`);
      expect(new URL(`http://[${address}]/`).hostname).toBe(`[${address}]`);
    }
  });
});
