import { segmentUla } from './ula.js';

describe('segmentUla', () => {
  it('is a stable unique local /64 per segment', () => {
    const a = segmentUla('lab');
    expect(a).toEqual(segmentUla('lab'));
    expect(a.prefix).toMatch(/^fd[0-9a-f]{2}:[0-9a-f]{4}:[0-9a-f]{4}:1::$/);
    expect(a.address).toBe(`${a.prefix}1`);
    expect(segmentUla('other').prefix).not.toBe(a.prefix);
  });
});
