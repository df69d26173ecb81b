import { DigestMismatch } from './errors.js';
import { computeDigest, isDigest, parseDigest, verifyDigest } from './digest.js';

const EMPTY_SHA256 = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe('digests', () => {
  it('computes sha256 and sha512 digests', () => {
    expect(computeDigest(Buffer.alloc(0))).toBe(EMPTY_SHA256);
    expect(computeDigest(Buffer.from('x'), 'sha512')).toMatch(/^sha512:[a-f0-9]{128}$/);
  });

  it('parses only well-formed digests of known algorithms', () => {
    expect(parseDigest(EMPTY_SHA256)).toEqual({ algorithm: 'sha256', hex: EMPTY_SHA256.slice(7) });
    expect(isDigest('sha256:abc')).toBe(false);
    expect(isDigest(`md5:${'0'.repeat(32)}`)).toBe(false);
    expect(isDigest(`sha256:${'A'.repeat(64)}`)).toBe(false);
  });

  it('Given other bytes When verified Then a digest mismatch is raised', () => {
    expect(() => verifyDigest('blob', Buffer.alloc(0), EMPTY_SHA256)).not.toThrow();
    expect(errorCode(() => verifyDigest('blob', Buffer.from('x'), EMPTY_SHA256))).toBe(DigestMismatch.code);
  });
});

function errorCode(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}
