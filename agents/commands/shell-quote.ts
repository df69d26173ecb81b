// Quoting for the POSIX sh scripts the agent sends to nodes: every value becomes one single-quoted
// word, so nothing in it (spaces, quotes, $, `, globs, newlines, leading dashes) is interpreted.
import { BadCommand } from './errors.js';

/** One shell word holding exactly `value`. NUL bytes cannot be carried by a shell word: rejected. */
export function shellQuote(value: string): string {
  if (value.includes('\0')) throw BadCommand(`${JSON.stringify(value)} contains a NUL byte`);
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** A command line running exactly `argv` (never re-split, never globbed). */
export function shellCommand(argv: readonly string[]): string {
  if (argv.length === 0) throw BadCommand('command is empty: give at least the program to run');
  return argv.map(shellQuote).join(' ');
}
