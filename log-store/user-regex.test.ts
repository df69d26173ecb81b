import fc from 'fast-check';
import { RE2JS } from 're2js';
import { isWaltError } from '../common/errors.js';
import { LogsBadRegex, LogsRegexTooLarge, LogsRegexUnsupported } from './errors.js';
import { compileUserRegex, estimateProgramSize, MAX_PATTERN_LENGTH, translateToRe2 } from './user-regex.js';

const codeOf = (pattern: string): string | undefined => {
  try {
    compileUserRegex('lineRegex', pattern);
    return undefined;
  } catch (error) {
    return isWaltError(error) ? error.code : String(error);
  }
};

function validInJavaScript(pattern: string): boolean {
  try {
    return new RegExp(pattern, 'u') instanceof RegExp;
  } catch {
    return false;
  }
}

describe('compileUserRegex: caller regexes run in RE2', () => {
  it('finishes regex bombs on long lines (a backtracking engine would not)', () => {
    // Given patterns that make a backtracking engine exponential, and lines they nearly match
    const bombs: [string, string, boolean][] = [
      ['(.+)+x', 'a'.repeat(50_000), false],
      ['(a|a)*b', 'a'.repeat(50_000), false],
      ['(a*)*$', `${'a'.repeat(50_000)}!`, true],
      ['^(\\w+\\s?)*$', `${'word '.repeat(10_000)}!`, false],
      ['(x+x+)+y', 'x'.repeat(50_000), false],
    ];
    for (const [pattern, line, expected] of bombs) {
      // When they are compiled and run, then they answer (JavaScript's own engine would run for ages)
      expect({ pattern, match: compileUserRegex('lineRegex', pattern).test(line) }).toEqual({
        pattern,
        match: expected,
      });
    }
  });

  it('refuses what RE2 cannot express, with a code', () => {
    for (const pattern of [
      '(a)\\1',
      '(?<n>a)\\k<n>',
      '(?=a)',
      '(?!a)b',
      '(?<=a)b',
      '(?<!a)b',
      '\\p{Emoji}',
    ]) {
      expect({ pattern, code: codeOf(pattern) }).toEqual({ pattern, code: LogsRegexUnsupported.code });
    }
  });

  it('refuses patterns too long or too large before compiling them', () => {
    expect(codeOf('a'.repeat(MAX_PATTERN_LENGTH + 1))).toBe(LogsRegexTooLarge.code);
    expect(codeOf('a{1001}')).toBe(LogsRegexTooLarge.code);
    expect(codeOf('(abcdefghij{1000}){1000}')).toBe(LogsRegexTooLarge.code);
    expect(codeOf('[a-z]{1000}[0-9]{1000}')).toBe(LogsRegexTooLarge.code);
    // The estimate follows the compiled size (within a few instructions here)
    for (const pattern of [
      'x{1000}',
      '[a-z]{900}',
      '(ab|cd){3}',
      '(abc{10}){10}',
      '^node (vn1|vn2) is up$',
    ]) {
      const { re2 } = translateToRe2('lineRegex', pattern);
      const real = RE2JS.compile(re2).programSize();
      expect({ pattern, close: Math.abs(estimateProgramSize(re2) - real) <= real * 0.25 }).toEqual({
        pattern,
        close: true,
      });
    }
  });

  it('keeps JavaScript syntax errors as bad regexes', () => {
    for (const pattern of ['(', '[[:digit:]]', 'a{2,1}', '\\q', '{']) {
      expect({ pattern, code: codeOf(pattern) }).toEqual({ pattern, code: LogsBadRegex.code });
    }
  });

  it('means what JavaScript means where RE2 differs', () => {
    const cases: [string, string, boolean][] = [
      ['a.b', 'a\rb', false],
      ['a.b', 'a\u2028b', false],
      ['a.b', 'a\u00e9b', true],
      ['^.$', '😀', true],
      ['\\s', '\u00a0', true],
      ['\\s', '\v', true],
      ['[\\S]', ' ', false],
      ['[\\S]', 'x', true],
      ['\\u0041\\x42\\u{43}', 'ABC', true],
      ['\\uD83D\\uDE00', '😀', true],
      ['\\cJ', '\n', true],
      ['\\0', '\0', true],
      ['[^]', '\n', true],
      ['[]', 'anything', false],
      ['(?<word>ab)+', 'abab', true],
      ['[[:a]', ':', true],
      ['\\bword\\b', 'a word.', true],
      ['[\\b]', '\b', true],
      ['\\d+\\.\\d', 'v1.2', true],
      ['\\p{Lu}\\p{Script=Greek}', 'Aα', true],
      ['^experiment\\.lab\\.exp1\\.', 'experiment.lab.exp1.vn1', true],
      ['a\\/b', 'a/b', true],
    ];
    for (const [pattern, text, expected] of cases) {
      expect({ pattern, text, match: compileUserRegex('lineRegex', pattern).test(text) }).toEqual({
        pattern,
        text,
        match: expected,
      });
    }
  });

  it('agrees with JavaScript on generated patterns and texts', () => {
    // Atoms where the dialects differ most: classes, escapes, anchors, boundaries, astral characters
    const atom = fc.constantFrom(
      ...['a', 'b', '.', '\\s', '\\S', '\\d', '\\D', '\\w', '\\W', '[ab]', '[^a]', '[a-c\\d]', '[\\s\\S]'],
      ...['[^\\S]', '\\n', ' ', '\u00a0', '\\b', '\\B', '^', '$', '[\\b]', '\\u00e9', '\\x61', '[^]', '[]'],
      ...['(?:ab|b)', '(a|)', '\\.', '[.]', '\\v', 'é', '😀', '.?'],
    );
    const quantified = (a: string, q: string): string => (/^([\^$]|\\[bB])$/.test(a) ? a : a + q);
    const piece = fc
      .tuple(atom, fc.constantFrom('', '*', '+', '?', '{1,2}', '*?', '{0}', '{2,}'))
      .map(([a, q]) => quantified(a, q));
    const pattern = fc
      .array(piece, { minLength: 1, maxLength: 6 })
      .map((pieces) => pieces.join(''))
      .chain((p) => fc.constantFrom(p, `(${p}|b)+`, `^(?:${p})$`, `(?<n>${p})x?`))
      .filter(validInJavaScript);
    const text = fc.string({
      unit: fc.constantFrom(
        'a',
        'b',
        '1',
        ' ',
        '\n',
        '\r',
        '\u00a0',
        '\u2028',
        'é',
        '\v',
        '\b',
        '😀',
        '.',
        'x',
        '_',
      ),
      maxLength: 14,
    });
    fc.assert(
      fc.property(pattern, text, (p, t) => {
        // V8 may place an empty `\B` match inside an astral character; RE2 does not (see its own test)
        fc.pre(!(p.includes('\\B') && /[\u{10000}-\u{10ffff}]/u.test(t)));
        expect({ p, t, match: compileUserRegex('lineRegex', p).test(t) }).toEqual({
          p,
          t,
          match: new RegExp(p, 'u').test(t),
        });
      }),
      { numRuns: 2000 },
    );
  });

  it('never matches inside an astral character, where V8 lets an empty \\B land', () => {
    expect(new RegExp('\\Ba*', 'u').exec('a😀a')?.index).toBe(2);
    expect(compileUserRegex('lineRegex', '\\Ba*').test('a😀a')).toBe(false);
    expect(compileUserRegex('lineRegex', '\\B').test('😀')).toBe(true);
  });

  it('flags quantified groups that hold quantifiers or alternations (not pushed down to PostgreSQL)', () => {
    expect(translateToRe2('f', '(a+)+').nestedQuantifier).toBe(true);
    expect(translateToRe2('f', '(a|b)*c').nestedQuantifier).toBe(true);
    expect(translateToRe2('f', '((ab)+c)*').nestedQuantifier).toBe(true);
    expect(translateToRe2('f', '(ab)+ c+ (d|e)').nestedQuantifier).toBe(false);
    expect(translateToRe2('f', 'a+b*').nestedQuantifier).toBe(false);
  });
});
