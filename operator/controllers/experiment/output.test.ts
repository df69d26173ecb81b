import { truncateTail } from './output.js';

describe('truncateTail', () => {
  it('keeps short output as is', () => {
    expect(truncateTail('hello\n', 100)).toBe('hello\n');
  });

  it('keeps the tail within the limit and says how much was dropped', () => {
    const text = 'a'.repeat(1000) + 'THE END';
    const out = truncateTail(text, 100);
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(100);
    expect(out.endsWith('THE END')).toBe(true);
    expect(out).toMatch(/^\[947 bytes of output dropped\]\n/);
  });

  it('never splits a multi-byte character', () => {
    const text = 'é'.repeat(500);
    const out = truncateTail(text, 101);
    expect(out).not.toContain('\uFFFD');
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(101);
  });

  it('counts what the agent already dropped', () => {
    expect(truncateTail('tail', 100, 5000)).toBe('[5000 bytes of output dropped]\ntail');
    expect(truncateTail('x'.repeat(200), 100, 10)).toMatch(/^\[150 bytes of output dropped\]/);
  });
});
