// Validation and normalisation of appended lines, identical for both back ends so that a line reads back
// the same from SQLite and from PostgreSQL.
import { LogsBadLine } from './errors.js';
import type { LogLine } from './types.js';

/** PostgreSQL text cannot hold NUL: both back ends store U+FFFD instead, so results do not depend on the back end. */
export function normalizeText(text: string): string {
  return text.includes('\0') ? text.replaceAll('\0', '\uFFFD') : text;
}

function problem(line: LogLine): string | undefined {
  if (typeof line !== 'object' || line === null) return 'not an object';
  if (!(line.ts instanceof Date) || Number.isNaN(line.ts.getTime())) return 'ts is not a valid Date';
  if (typeof line.issuer !== 'string' || line.issuer === '') return 'issuer is empty';
  if (typeof line.stream !== 'string' || line.stream === '') return 'stream is empty';
  if (typeof line.line !== 'string') return 'line is not a string';
  return undefined;
}

/** Checks a whole batch before anything is written: a batch is stored entirely or not at all. */
export function checkLines(lines: readonly LogLine[]): void {
  if (!Array.isArray(lines)) throw LogsBadLine(0, 'append() takes an array of lines');
  for (let index = 0; index < lines.length; index++) {
    const reason = problem(lines[index] as LogLine);
    if (reason !== undefined) throw LogsBadLine(index, reason);
  }
}
