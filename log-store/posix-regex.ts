// Translation of a query regex (JavaScript syntax, `u` flag) into a PostgreSQL ARE for `line ~ $n`.
//
// Only a common subset is translated, into an ARE that accepts exactly the same strings: literals,
// `.`, bracket expressions, `^`, `$`, `|`, `(...)`, `(?:...)`, the quantifiers `* + ? {m,n}` (greedy or
// lazy — a yes/no match does not depend on greediness), and the escapes `\d \w \s \D \W \S \t \n \v \f
// \r \uXXXX \u{...} \xHH` and escaped punctuation. Where the dialects differ the translation spells the
// JavaScript meaning out:
//   `.`      JS stops at line terminators, PostgreSQL does not   → [^\n\r\u2028\u2029]
//   `\d \w`  PostgreSQL follows the locale (Unicode digits, letters) → [0-9], [A-Za-z0-9_]
//   `\s`     PostgreSQL's C locale knows ASCII spaces only       → the JS list, Unicode spaces included
//   `\xHH`   PostgreSQL reads any number of hex digits           → \u00HH
//   `[[:a]` in JS is the class of `[`, `:`, `a` (PostgreSQL: a POSIX class) → a literal `[` in a class is written `\[`;
//            `[[:alpha:]]` itself is a syntax error in JS (Unicode mode): WALT_ERR_LOGS_BAD_REGEX, never a silent mismatch
// Anything else (`\b` — backspace in PostgreSQL —, back-references, lookaround, named groups, `\p{…}`,
// bounds above 255, empty classes `[]`/`[^]`) returns undefined: the PostgreSQL back end then applies the
// regex in the reader only (RE2, user-regex.ts, which accepts the same strings as JavaScript). Every
// row read is re-checked there anyway, so a pushed-down pattern can only save work, never change a
// result. pushDownPattern() also keeps nested quantifiers away from PostgreSQL's engine (it can
// backtrack on them), and the back end bounds every statement with a timeout.
import type { UserRegex } from './user-regex.js';

const JS_SPACES = '\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';
const CLASS_BODY: Record<string, string> = { d: '0-9', w: 'A-Za-z0-9_', s: JS_SPACES };
const ESCAPE_OUTSIDE: Record<string, string> = {
  d: '[0-9]',
  D: '[^0-9]',
  w: '[A-Za-z0-9_]',
  W: '[^A-Za-z0-9_]',
  s: `[${JS_SPACES}]`,
  S: `[^${JS_SPACES}]`,
};
const CONTROL = new Set(['t', 'n', 'v', 'f', 'r']);
const PUNCTUATION = new Set([...'^$\\.*+?()[]{}|/-']);
const MAX_BOUND = 255; // PostgreSQL's RE_DUPMAX

/** A step of the translation: the text to emit and where the next token starts, or undefined to give up. */
type Step = { out: string; next: number } | undefined;

function hex4(codePoint: number): string {
  return codePoint.toString(16).padStart(4, '0');
}

/** `\u`, `\u{…}` and `\x` escapes, as PostgreSQL escapes of one code point (`i` is after the `\`). */
function codePointEscape(source: string, i: number): Step {
  const braced = /^u\{([0-9a-fA-F]+)\}/.exec(source.slice(i));
  const plain = /^(?:u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2}))/.exec(source.slice(i));
  const match = braced ?? plain;
  if (match === null) return undefined;
  const codePoint = parseInt(match[1] ?? match[2] ?? '', 16);
  if (codePoint >= 0xd800 && codePoint <= 0xdfff) return undefined; // surrogate pairs: JS joins them
  const out = codePoint > 0xffff ? `\\U${codePoint.toString(16).padStart(8, '0')}` : `\\u${hex4(codePoint)}`;
  return { out, next: i + match[0].length };
}

/** An escape outside a bracket expression; `i` is the index of the character after `\`. */
function escapeOutside(source: string, i: number): Step {
  const c = source[i] ?? '';
  const mapped = ESCAPE_OUTSIDE[c];
  if (mapped !== undefined) return { out: mapped, next: i + 1 };
  if (CONTROL.has(c)) return { out: `\\${c}`, next: i + 1 };
  if (PUNCTUATION.has(c)) return { out: c === '/' ? '/' : `\\${c}`, next: i + 1 };
  if (c === 'u' || c === 'x') return codePointEscape(source, i);
  return undefined;
}

/** An escape inside a bracket expression (`\D \W \S` would need set subtraction: not translated). */
function escapeInClass(source: string, i: number): Step {
  const c = source[i] ?? '';
  const body = CLASS_BODY[c];
  if (body !== undefined) return { out: body, next: i + 1 };
  if (CONTROL.has(c)) return { out: `\\${c}`, next: i + 1 };
  if (PUNCTUATION.has(c)) return { out: `\\${c}`, next: i + 1 };
  if (c === 'u' || c === 'x') return codePointEscape(source, i);
  return undefined;
}

/** A bracket expression; `i` is the index of `[`. */
function bracket(source: string, i: number): Step {
  let j = i + 1;
  let out = '[';
  if (source[j] === '^') {
    out += '^';
    j++;
  }
  if (source[j] === ']') return undefined; // `[]` and `[^]`: JS-only meanings
  while (j < source.length && source[j] !== ']') {
    const step = classAtom(source, j);
    if (step === undefined) return undefined;
    out += step.out;
    j = step.next;
  }
  return j < source.length ? { out: `${out}]`, next: j + 1 } : undefined;
}

function classAtom(source: string, j: number): Step {
  const c = source[j] ?? '';
  if (c === '\\') return escapeInClass(source, j + 1);
  if (c === '[') return { out: '\\[', next: j + 1 }; // `[:`, `[.`, `[=` open POSIX classes in PostgreSQL
  const char = String.fromCodePoint(source.codePointAt(j) ?? 0);
  return { out: char, next: j + char.length };
}

/** `{m}`, `{m,}`, `{m,n}` (the `u` flag guarantees the syntax); PostgreSQL caps bounds at 255. */
function bound(source: string, i: number): Step {
  const match = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i));
  if (match === null) return undefined;
  const numbers = [match[1], match[3]].filter((n) => n !== undefined && n !== '').map(Number);
  if (numbers.some((n) => n > MAX_BOUND)) return undefined;
  return { out: match[0], next: i + match[0].length };
}

function group(source: string, i: number): Step {
  if (source[i + 1] !== '?') return { out: '(', next: i + 1 };
  return source[i + 2] === ':' ? { out: '(?:', next: i + 3 } : undefined; // lookaround, named groups
}

const SAME = new Set([...')|^$*+?']);

function token(source: string, i: number): Step {
  const c = source[i] ?? '';
  if (SAME.has(c)) return { out: c, next: i + 1 };
  switch (c) {
    case '\\':
      return escapeOutside(source, i + 1);
    case '.':
      return { out: '[^\\n\\r\\u2028\\u2029]', next: i + 1 };
    case '[':
      return bracket(source, i);
    case '{':
      return bound(source, i);
    case '(':
      return group(source, i);
    default: {
      const char = String.fromCodePoint(source.codePointAt(i) ?? 0);
      return { out: char, next: i + char.length };
    }
  }
}

/**
 * The PostgreSQL ARE matching exactly the strings `new RegExp(source, 'u')` matches (searching, not
 * anchored), or undefined when `source` uses syntax outside the common subset. `source` must already
 * be a valid JS pattern (compileRegex).
 */
export function toPostgresRegex(source: string): string | undefined {
  let out = '';
  let i = 0;
  while (i < source.length) {
    const step = token(source, i);
    if (step === undefined) return undefined;
    out += step.out;
    i = step.next;
  }
  return out;
}

/**
 * The ARE to push down for a caller regex, or undefined to match in the reader only (RE2): outside the
 * common subset, or with a quantified group holding a quantifier or an alternation, on which
 * PostgreSQL's engine can take super-linear time.
 */
export function pushDownPattern(re: Pick<UserRegex, 'source' | 'nestedQuantifier'>): string | undefined {
  return re.nestedQuantifier ? undefined : toPostgresRegex(re.source);
}
