// Regexes that callers send (log line and stream filters, delete selectors, follow) run in RE2
// (re2js): linear time in the text whatever the pattern, so no pattern can hold the agent's event loop
// the way a backtracking engine does with `(.+)+x` (ADR 0010).
//
// The documented syntax stays JavaScript's (Unicode mode). A pattern is first parsed by JavaScript
// (syntax errors keep their JavaScript message), then translated token by token into RE2 syntax that
// accepts exactly the same strings, spelling out where the dialects differ:
//   `.`      JS stops at \n \r \u2028 \u2029, RE2 at \n only        → [^\n\r\x{2028}\x{2029}]
//   `\s \S`  JS spaces include \v and Unicode spaces, RE2's do not  → the JS list, spelt out
//   `\uXXXX \u{…} \xHH \cX \0`  not RE2 syntax                      → \x{…}
//   `(?<name>…)`  named group                                        → (?:…) (a yes/no match needs no captures)
//   `[^]` `[]`    any / no character                                 → [\x{0}-\x{10FFFF}] / [^\x{0}-\x{10FFFF}]
//   `[` inside a class (RE2 could read `[:alpha:]`)                  → \[
// `\d \w \b` and their negations mean the same in both (ASCII). One known difference is kept:
// V8 lets an empty match such as `\B` land between the two halves of an astral character (a position
// inside one code point); RE2 sees code points only, so it does not. Refused with
// WALT_ERR_LOGS_REGEX_UNSUPPORTED: back-references (`\1`, `\k<n>`), lookahead and lookbehind, lone
// surrogates, `\p{…}` other than a general category or a script. Refused with
// WALT_ERR_LOGS_REGEX_TOO_LARGE: patterns longer than MAX_PATTERN_LENGTH, repetition counts above
// 1000 (RE2's maximum), and programs estimated (before compiling) or measured (after) above
// MAX_PROGRAM_SIZE instructions.
import { RE2JS } from 're2js';
import { LogsBadRegex, LogsRegexTooLarge, LogsRegexUnsupported } from './errors.js';

/** Longest pattern accepted, in UTF-16 code units. */
export const MAX_PATTERN_LENGTH = 1024;
/** Largest RE2 program accepted (instructions): matching costs at most text length × this. */
export const MAX_PROGRAM_SIZE = 2000;
/** RE2's largest repetition count. */
const MAX_REPEAT = 1000;

/** A compiled caller regex: JavaScript meaning, RE2 matching. */
export interface UserRegex {
  /** The pattern as the caller wrote it (JavaScript syntax). */
  readonly source: string;
  /** The same pattern in RE2 syntax. */
  readonly re2: string;
  /** A quantifier applies to a group that holds a quantifier or an alternation (`(a+)+`, `(a|b)*`). */
  readonly nestedQuantifier: boolean;
  /** Searches `text` (unanchored), in time linear in its length. */
  test(text: string): boolean;
}

const JS_SPACE_RANGES: readonly (readonly [number, number])[] = [
  [0x09, 0x0d],
  [0x20, 0x20],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
  [0xfeff, 0xfeff],
];
const MAX_CODE_POINT = 0x10ffff;

const hex = (codePoint: number): string => `\\x{${codePoint.toString(16)}}`;
const rangesBody = (ranges: readonly (readonly [number, number])[]): string =>
  ranges.map(([a, b]) => (a === b ? hex(a) : `${hex(a)}-${hex(b)}`)).join('');

function complement(ranges: readonly (readonly [number, number])[]): [number, number][] {
  const out: [number, number][] = [];
  let next = 0;
  for (const [a, b] of ranges) {
    if (a > next) out.push([next, a - 1]);
    next = b + 1;
  }
  if (next <= MAX_CODE_POINT) out.push([next, MAX_CODE_POINT]);
  return out;
}

const SPACES = rangesBody(JS_SPACE_RANGES);
const NOT_SPACES = rangesBody(complement(JS_SPACE_RANGES));
const ANY = `${hex(0)}-${hex(MAX_CODE_POINT)}`;
const DOT = `[^${hex(0x0a)}${hex(0x0d)}${hex(0x2028)}${hex(0x2029)}]`;
const SAME_ESCAPES = new Set([...'dDwWtnvfr']);
const PUNCTUATION = new Set([...'^$\\.*+?()[]{}|/-']);
const SAME = new Set([...'^$']);

/** What the translation found, besides the RE2 text. */
interface Scan {
  out: string;
  /** A quantified group holds a quantifier or an alternation. */
  nested: boolean;
}

class Translator {
  private i = 0;
  private out = '';
  /** Per open group: did it hold a quantifier or an alternation. */
  private readonly groups: boolean[] = [false];
  private nested = false;
  /** The last atom closed a group that held a quantifier or an alternation. */
  private lastGroupComplex = false;

  constructor(
    private readonly field: string,
    private readonly source: string,
  ) {}

  run(): Scan {
    while (this.i < this.source.length) this.token();
    return { out: this.out, nested: this.nested };
  }

  private unsupported(what: string): never {
    throw LogsRegexUnsupported(this.field, this.source, what);
  }

  private emit(text: string, next: number, complexGroup = false): void {
    this.out += text;
    this.i = next;
    this.lastGroupComplex = complexGroup;
  }

  /** What each syntax character starts; anything else is a literal. */
  private readonly syntax: Readonly<Record<string, () => void>> = {
    '*': () => this.quantifier('*', this.i + 1),
    '+': () => this.quantifier('+', this.i + 1),
    '?': () => this.quantifier('?', this.i + 1),
    '{': () => this.bound(),
    '|': () => {
      this.markComplex();
      this.emit('|', this.i + 1);
    },
    '(': () => this.openGroup(),
    ')': () => this.closeGroup(),
    '.': () => this.emit(DOT, this.i + 1),
    '[': () => this.bracket(),
    '\\': () => this.emit(this.escapeOutside(), this.i),
  };

  private token(): void {
    const { source, i } = this;
    const c = source[i] ?? '';
    const handler = Object.hasOwn(this.syntax, c) ? this.syntax[c] : undefined;
    if (handler !== undefined) return handler();
    if (SAME.has(c)) return this.emit(c, i + 1);
    const char = String.fromCodePoint(source.codePointAt(i) ?? 0);
    this.literal(char, i + char.length);
  }

  private literal(char: string, next: number): void {
    const code = char.codePointAt(0) ?? 0;
    if (code >= 0xd800 && code <= 0xdfff) this.unsupported('a lone surrogate');
    this.emit(code < 0x20 || code === 0x7f ? hex(code) : char, next);
  }

  private markComplex(): void {
    this.groups[this.groups.length - 1] = true;
  }

  private quantifier(text: string, next: number): void {
    if (this.lastGroupComplex) this.nested = true;
    this.markComplex();
    const lazy = this.source[next] === '?';
    this.emit(lazy ? `${text}?` : text, lazy ? next + 1 : next);
  }

  /** `{m}`, `{m,}`, `{m,n}` (JavaScript has checked the syntax in Unicode mode). */
  private bound(): void {
    const match = /^\{(\d+)(,(\d*))?\}/.exec(this.source.slice(this.i));
    if (match === null) this.unsupported('a malformed repetition');
    const counts = [match[1], match[3]].filter((n) => n !== undefined && n !== '').map(Number);
    if (counts.some((n) => n > MAX_REPEAT)) {
      throw LogsRegexTooLarge(this.field, this.source, `a repetition count above ${MAX_REPEAT}`);
    }
    this.quantifier(match[0], this.i + match[0].length);
  }

  private openGroup(): void {
    const rest = this.source.slice(this.i, this.i + 4);
    this.groups.push(false);
    if (rest.startsWith('(?:')) return this.emit('(?:', this.i + 3);
    if (/^\(\?<[=!]/.test(rest)) this.unsupported('lookbehind (?<= or (?<!');
    if (rest.startsWith('(?=') || rest.startsWith('(?!')) this.unsupported('lookahead (?= or (?!');
    if (rest.startsWith('(?<')) {
      const end = this.source.indexOf('>', this.i);
      return this.emit('(?:', end + 1);
    }
    if (rest.startsWith('(?')) this.unsupported(`the group syntax ${rest.slice(0, 3)}`);
    this.emit('(', this.i + 1);
  }

  private closeGroup(): void {
    const complex = this.groups.pop() ?? false;
    if (complex) this.markComplex();
    this.emit(')', this.i + 1, complex);
  }

  /** An escape outside a class; leaves `this.i` after it. */
  private escapeOutside(): string {
    const c = this.source[this.i + 1] ?? '';
    if (c === 's') return this.advance(2, `[${SPACES}]`);
    if (c === 'S') return this.advance(2, `[${NOT_SPACES}]`);
    if (c === 'b' || c === 'B') return this.advance(2, `\\${c}`);
    return this.commonEscape();
  }

  /** Escapes that read the same inside and outside a class. */
  private commonEscape(): string {
    const c = this.source[this.i + 1] ?? '';
    if (SAME_ESCAPES.has(c)) return this.advance(2, `\\${c}`);
    if (PUNCTUATION.has(c)) return this.advance(2, `\\${c}`);
    if (/[1-9]/.test(c) || c === 'k') this.unsupported(`the back-reference \\${c}`);
    if (c === 'p' || c === 'P') return this.property(c);
    return this.codePointText(c);
  }

  /** A code point escape as RE2 text; refuses anything else. */
  private codePointText(c: string): string {
    const codePoint = this.codePointEscape();
    if (codePoint === undefined) this.unsupported(`the escape \\${c}`);
    if (codePoint >= 0xd800 && codePoint <= 0xdfff) this.unsupported('a lone surrogate');
    return hex(codePoint);
  }

  private advance(count: number, text: string): string {
    this.i += count;
    return text;
  }

  /** `\uXXXX` (a surrogate pair of them is one code point), `\u{…}`, `\xHH`, `\cX`, `\0`. */
  private codePointEscape(): number | undefined {
    const rest = this.source.slice(this.i);
    const pair = /^\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})/i.exec(rest);
    if (pair !== null) {
      this.i += pair[0].length;
      return String.fromCharCode(parseInt(pair[1]!, 16), parseInt(pair[2]!, 16)).codePointAt(0);
    }
    const one = /^\\(?:u\{([0-9a-f]+)\}|u([0-9a-f]{4})|x([0-9a-f]{2}))/i.exec(rest);
    if (one !== null) {
      this.i += one[0].length;
      return parseInt(one[1] ?? one[2] ?? one[3] ?? '', 16);
    }
    const control = /^\\c([a-z])/i.exec(rest);
    if (control !== null) {
      this.i += 3;
      return (control[1]!.codePointAt(0) ?? 0) % 32;
    }
    if (/^\\0(?![0-9])/.test(rest)) {
      this.i += 2;
      return 0;
    }
    return undefined;
  }

  /** `\p{Lu}` (general category) and `\p{Script=Greek}` (script): RE2 knows both by name. */
  private property(c: string): string {
    const match = /^\\[pP]\{(?:(?:Script|sc)=)?([A-Za-z_]+)\}/.exec(this.source.slice(this.i));
    const plain = /^\\[pP]\{([A-Za-z_]+)\}/.test(this.source.slice(this.i));
    const name = match?.[1];
    if (name === undefined || (plain && !/^[A-Z][a-z]?$/.test(name))) {
      this.unsupported('this \\p{…} class (only general categories such as \\p{L} and scripts)');
    }
    return this.advance(match![0].length, `\\${c}{${name}}`);
  }

  /** A class `[…]`. */
  private bracket(): void {
    let j = this.i + 1;
    const negated = this.source[j] === '^';
    if (negated) j++;
    if (this.source[j] === ']') return this.emit(negated ? `[${ANY}]` : `[^${ANY}]`, j + 1);
    let body = '';
    this.i = j;
    while (this.i < this.source.length && this.source[this.i] !== ']') body += this.classAtom();
    this.emit(`[${negated ? '^' : ''}${body}]`, this.i + 1);
  }

  private classAtom(): string {
    const c = this.source[this.i] ?? '';
    if (c === '[') return this.advance(1, '\\[');
    if (c === '-') return this.advance(1, '-');
    return c === '\\' ? this.classEscape() : this.classLiteral();
  }

  private classLiteral(): string {
    const char = String.fromCodePoint(this.source.codePointAt(this.i) ?? 0);
    const code = char.codePointAt(0) ?? 0;
    if (code >= 0xd800 && code <= 0xdfff) this.unsupported('a lone surrogate');
    return this.advance(char.length, code < 0x20 || code === 0x7f || char === '^' ? hex(code) : char);
  }

  private classEscape(): string {
    const e = this.source[this.i + 1] ?? '';
    if (e === 's') return this.advance(2, SPACES);
    if (e === 'S') return this.advance(2, NOT_SPACES);
    if (e === 'b') return this.advance(2, hex(8)); // backspace inside a class
    if (e === 'B') this.unsupported('\\B inside a class');
    return this.commonEscape();
  }
}

/**
 * An estimate of the RE2 program size, without compiling (RE2's compile time is proportional to it):
 * an atom or a class is an instruction, a quantifier one more, a group two, and a repetition `{m,n}`
 * copies what it repeats max(m, n) times (nested ones multiply). The compiled program is measured too.
 */
export function estimateProgramSize(re2: string): number {
  const stack: number[] = [0];
  let last = 0;
  const add = (size: number): void => {
    stack[stack.length - 1]! += size;
  };
  for (let i = 0; i < re2.length;) {
    const c = re2[i]!;
    const bound = c === '{' ? /^\{(\d+)(?:,(\d*))?\}/.exec(re2.slice(i)) : null;
    if (c === '(') stack.push(0);
    else if (c === ')') add((last = (stack.pop() ?? 0) + 2));
    else if (bound !== null) {
      const times = repeatTimes(bound);
      add(last * times);
      last *= times + 1;
    } else if ('*+?'.includes(c)) add(1);
    else add((last = 1));
    i = nextToken(re2, i, bound);
  }
  return stack.reduce((a, b) => a + b, 0);
}

/** How many copies `{m}`, `{m,}` or `{m,n}` makes (at least one). */
function repeatTimes(bound: RegExpExecArray): number {
  return Math.max(Number(bound[1]), Number(bound[2] ?? 0), 1);
}

/** Where the token of the RE2 text at `i` ends. */
function nextToken(re2: string, i: number, bound: RegExpExecArray | null): number {
  const c = re2[i];
  if (bound !== null) return i + bound[0].length;
  if (c === '(') return re2.startsWith('(?:', i) ? i + 3 : i + 1;
  if (c === '[') return classEnd(re2, i);
  if (c !== '\\') return i + 1;
  return 'xpP'.includes(re2[i + 1] ?? '') ? re2.indexOf('}', i) + 1 : i + 2;
}

function classEnd(re2: string, start: number): number {
  let i = start + 1;
  while (i < re2.length && re2[i] !== ']') i += re2[i] === '\\' ? 2 : 1;
  return i + 1;
}

/** The RE2 text accepting exactly what `new RegExp(source, 'u')` accepts (a valid JS pattern). */
export function translateToRe2(field: string, source: string): { re2: string; nestedQuantifier: boolean } {
  const { out, nested } = new Translator(field, source).run();
  return { re2: out, nestedQuantifier: nested };
}

/** Checks, bounds, translates and compiles a caller's pattern (coded 400s). */
export function compileUserRegex(field: string, pattern: unknown): UserRegex {
  if (typeof pattern !== 'string') throw LogsBadRegex(field, String(pattern), 'not a string');
  if (pattern.length > MAX_PATTERN_LENGTH) {
    throw LogsRegexTooLarge(field, pattern.slice(0, 64), `longer than ${MAX_PATTERN_LENGTH} characters`);
  }
  try {
    new RegExp(pattern, 'u'); // the syntax check only: JavaScript never matches with it
  } catch (error) {
    throw LogsBadRegex(field, pattern, (error as Error).message.replace(/^Invalid regular expression: /, ''));
  }
  const { re2, nestedQuantifier } = translateToRe2(field, pattern);
  if (estimateProgramSize(re2) > MAX_PROGRAM_SIZE) {
    throw LogsRegexTooLarge(field, pattern, `more than ${MAX_PROGRAM_SIZE} instructions once compiled`);
  }
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(re2);
  } catch (error) {
    throw LogsRegexUnsupported(
      field,
      pattern,
      (error as Error).message.replace(/^error parsing regexp: /, ''),
    );
  }
  if (compiled.programSize() > MAX_PROGRAM_SIZE) {
    throw LogsRegexTooLarge(field, pattern, `more than ${MAX_PROGRAM_SIZE} instructions once compiled`);
  }
  return { source: pattern, re2, nestedQuantifier, test: (text) => compiled.test(text) };
}
