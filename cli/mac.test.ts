import { allocateMac } from './mac.js';

describe('allocateMac', () => {
  it('draws a 52:54:00 address', () => {
    expect(allocateMac([], () => 0xa1b2c3)).toBe('52:54:00:a1:b2:c3');
    expect(allocateMac([])).toMatch(/^52:54:00(:[0-9a-f]{2}){3}$/);
  });

  it('never returns an address a node has, whatever its case', () => {
    const draws = [0xa1b2c3, 0xa1b2c3, 0x000001];
    const next = (): number => draws.shift()!;
    expect(allocateMac(['52:54:00:A1:B2:C3'], next)).toBe('52:54:00:00:00:01');
  });

  it('falls back to the lowest free address when random draws keep colliding', () => {
    const used = ['52:54:00:00:00:01', '52:54:00:00:00:02'];
    expect(allocateMac(used, () => 1)).toBe('52:54:00:00:00:03');
  });
});
