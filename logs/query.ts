// Query validation: everything that can be checked without the database is checked when query() or
// follow() is called, so a caller (web API, CLI) can answer 400 before streaming anything.
import { checkCheckpointName } from './checkpoints.js';
import { LogsBadLimit, LogsBadQuery, LogsBadRegex, LogsBadTimeRange } from './errors.js';
import type { LogQuery } from './types.js';

/** A validated query: regexes compiled, dates as epoch milliseconds. */
export interface CompiledQuery {
  issuers?: ReadonlySet<string>;
  streamRe?: RegExp;
  lineRe?: RegExp;
  fromMs?: number;
  toMs?: number;
  fromCheckpoint?: string;
  toCheckpoint?: string;
  checkpointOwner: string;
  limit?: number;
}

/** Compiles a user pattern. Unicode mode: `.` is one code point (as in PostgreSQL) and bad escapes are errors. */
export function compileRegex(field: string, pattern: unknown): RegExp {
  if (typeof pattern !== 'string') throw LogsBadRegex(field, String(pattern), 'not a string');
  try {
    return new RegExp(pattern, 'u');
  } catch (error) {
    throw LogsBadRegex(field, pattern, (error as Error).message.replace(/^Invalid regular expression: /, ''));
  }
}

function toMs(field: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw LogsBadTimeRange(`${field} is not a valid Date`);
  }
  return value.getTime();
}

function checkBounds(q: LogQuery): { fromMs?: number; toMs?: number } {
  if (q.from !== undefined && q.fromCheckpoint !== undefined) {
    throw LogsBadTimeRange('give either from or fromCheckpoint, not both');
  }
  if (q.to !== undefined && q.toCheckpoint !== undefined) {
    throw LogsBadTimeRange('give either to or toCheckpoint, not both');
  }
  const fromMs = toMs('from', q.from);
  const toMsValue = toMs('to', q.to);
  checkOrder(fromMs, toMsValue);
  return { fromMs, toMs: toMsValue };
}

/** Throws when a resolved range is empty by construction (from after to). */
export function checkOrder(fromMs: number | undefined, toMsValue: number | undefined): void {
  if (fromMs !== undefined && toMsValue !== undefined && fromMs > toMsValue) {
    throw LogsBadTimeRange(
      `from (${new Date(fromMs).toISOString()}) is after to (${new Date(toMsValue).toISOString()}): swap the bounds`,
    );
  }
}

function checkShape(q: LogQuery): void {
  if (q.limit !== undefined && !(Number.isSafeInteger(q.limit) && q.limit >= 1)) throw LogsBadLimit(q.limit);
  if (q.order !== undefined && q.order !== 'asc')
    throw LogsBadQuery(`order "${String(q.order)}": only "asc" is supported`);
  if (
    q.issuers !== undefined &&
    !(Array.isArray(q.issuers) && q.issuers.every((i) => typeof i === 'string'))
  ) {
    throw LogsBadQuery('issuers must be a list of names');
  }
}

export function compileQuery(q: LogQuery): CompiledQuery {
  checkShape(q);
  const compiled: CompiledQuery = { ...checkBounds(q), checkpointOwner: q.checkpointOwner ?? '' };
  if (q.issuers !== undefined) compiled.issuers = new Set(q.issuers);
  if (q.streamRegex !== undefined) compiled.streamRe = compileRegex('streamRegex', q.streamRegex);
  if (q.lineRegex !== undefined) compiled.lineRe = compileRegex('lineRegex', q.lineRegex);
  if (q.fromCheckpoint !== undefined) {
    checkCheckpointName(q.fromCheckpoint);
    compiled.fromCheckpoint = q.fromCheckpoint;
  }
  if (q.toCheckpoint !== undefined) {
    checkCheckpointName(q.toCheckpoint);
    compiled.toCheckpoint = q.toCheckpoint;
  }
  if (q.limit !== undefined) compiled.limit = q.limit;
  return compiled;
}
