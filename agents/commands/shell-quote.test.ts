import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { isWaltError } from '../../common/errors.js';
import { BadCommand } from './errors.js';
import { shellCommand, shellQuote } from './shell-quote.js';

/** What dash makes of a command line: its words, NUL-separated. */
function wordsOf(commandLine: string): string[] {
  const out = execFileSync('sh', ['-c', `printf '%s\\0' ${commandLine}`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

const NASTY = [
  '',
  ' ',
  "it's",
  "''",
  "'\\''",
  '"double" quotes',
  '$HOME',
  '${PATH}',
  '$(touch /tmp/walt-quote-pwned)',
  '`touch /tmp/walt-quote-pwned`',
  '*',
  '/etc/*',
  '?',
  '[a-z]',
  '~',
  '~root',
  '-n',
  '--',
  'a\nb',
  'tab\there',
  'back\\slash\\',
  'semi; rm -rf /',
  'a && b || c | d & e',
  '>out <in 2>&1',
  '#comment',
  '!',
  'ünïcödé ✓',
  '\r\n',
];

describe('shellQuote', () => {
  it('gives sh exactly the value back, for every nasty value', () => {
    // Given values full of shell syntax, When dash reads them quoted, Then it sees the same words
    expect(wordsOf(NASTY.map(shellQuote).join(' '))).toEqual(NASTY);
  });

  it('round-trips any string without NUL (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ unit: 'binary' }).filter((s) => !s.includes('\0')),
          { minLength: 1, maxLength: 5 },
        ),
        (args) => {
          expect(wordsOf(args.map(shellQuote).join(' '))).toEqual(args);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('refuses NUL bytes, which no shell word can carry', () => {
    expect(() => shellQuote('a\0b')).toThrow();
    try {
      shellQuote('a\0b');
    } catch (err) {
      expect(isWaltError(err, BadCommand)).toBe(true);
    }
  });
});

describe('shellCommand', () => {
  it('runs the program with its arguments, never re-split', () => {
    const line = shellCommand(['printf', '%s|', 'a b', '$x', "'"]);
    expect(execFileSync('sh', ['-c', line], { encoding: 'utf8' })).toBe("a b|$x|'|");
  });

  it('refuses an empty command', () => {
    expect(() => shellCommand([])).toThrow(/empty/);
  });
});
