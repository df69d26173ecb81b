import { pushDownPattern, toPostgresRegex } from './posix-regex.js';
import { compileUserRegex } from './user-regex.js';

describe('toPostgresRegex', () => {
  it('passes the common ERE syntax through', () => {
    expect(toPostgresRegex('^node (vn1|vn2) is booted$')).toBe('^node (vn1|vn2) is booted$');
    expect(toPostgresRegex('a+b*c?d{2,3}e{4}f{5,}?(?:g)')).toBe('a+b*c?d{2,3}e{4}f{5,}?(?:g)');
    expect(toPostgresRegex('[a-z0-9_]x[^ ]')).toBe('[a-z0-9_]x[^ ]');
  });

  it('spells out the JavaScript meaning where the dialects differ', () => {
    expect(toPostgresRegex('a.b')).toBe('a[^\\n\\r\\u2028\\u2029]b');
    expect(toPostgresRegex('\\d\\w')).toBe('[0-9][A-Za-z0-9_]');
    expect(toPostgresRegex('[\\d.]')).toBe('[0-9.]');
    expect(toPostgresRegex('\\x41\\u00e9\\u{1F600}')).toBe('\\u0041\\u00e9\\U0001f600');
    expect(toPostgresRegex('[[:a]')).toBe('[\\[:a]');
    expect(toPostgresRegex('a\\/b\\.c')).toBe('a/b\\.c');
  });

  it('gives up on syntax outside the common subset', () => {
    for (const pattern of [
      '\\bword\\b',
      '(a)\\1',
      '(?=x)',
      '(?<=x)y',
      '(?<name>x)',
      '\\p{L}',
      'a{256}',
      '[]',
      '[^]',
      '[\\D]',
      '\\0',
      '\\uD83D\\uDE00',
      '\\cA',
    ]) {
      expect({ pattern, are: toPostgresRegex(pattern) }).toEqual({ pattern, are: undefined });
    }
  });
});

describe('pushDownPattern', () => {
  it('keeps patterns PostgreSQL could backtrack on (nested quantifiers, quantified alternations) in RE2', () => {
    for (const pattern of ['(.+)+x', '(a|a)*b', '(a*)*$', '((ab)+c)*', '(x+x+)+y']) {
      expect({ pattern, are: pushDownPattern(compileUserRegex('lineRegex', pattern)) }).toEqual({
        pattern,
        are: undefined,
      });
    }
  });

  it('pushes the common subset down', () => {
    expect(pushDownPattern(compileUserRegex('lineRegex', '^node (vn1|vn2) is b.oted$'))).toBe(
      '^node (vn1|vn2) is b[^\\n\\r\\u2028\\u2029]oted$',
    );
    expect(pushDownPattern(compileUserRegex('lineRegex', '\\d+ ms'))).toBe('[0-9]+ ms');
  });
});
