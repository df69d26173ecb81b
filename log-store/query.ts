// Query validation: everything that can be checked without the database is checked when query() or
// follow() is called, so a caller (web API, CLI) can answer 400 before streaming anything.
import { checkCheckpointName } from './checkpoints.js';
import { LogsBadLimit, LogsBadQuery, LogsBadReadOptions, LogsBadTimeRange } from './errors.js';
import type { LogQuery, ReadOptions } from './types.js';
import { compileUserRegex, type UserRegex } from './user-regex.js';

/** Most issuers one query may name, and the longest name (a DNS name). */
export const MAX_ISSUERS = 256;
export const MAX_NAME_LENGTH = 253;
/** Bounds of ReadOptions. */
export const MAX_BUDGET_MS = 3_600_000;
export const MAX_SLICE_MS = 1000;
export const DEFAULT_SLICE_MS = 5;

/** A validated query: regexes compiled, dates as epoch milliseconds. */
export interface CompiledQuery {
  issuers?: ReadonlySet<string>;
  streamRe?: UserRegex;
  lineRe?: UserRegex;
  fromMs?: number;
  toMs?: number;
  fromCheckpoint?: string;
  toCheckpoint?: string;
  checkpointOwner: string;
  limit?: number;
}

/** Compiles a caller's pattern: JavaScript syntax (Unicode mode), run in RE2 (user-regex.ts). */
export function compileRegex(field: string, pattern: unknown): UserRegex {
  return compileUserRegex(field, pattern);
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
  checkNames(q);
}

/** Issuers and the checkpoint owner: names, bounded in number and length. */
function checkNames(q: LogQuery): void {
  const issuers: unknown = q.issuers ?? [];
  if (!(Array.isArray(issuers) && issuers.every((i) => typeof i === 'string'))) {
    throw LogsBadQuery('issuers must be a list of names');
  }
  if (issuers.length > MAX_ISSUERS) {
    throw LogsBadQuery(`${issuers.length} issuers: name at most ${MAX_ISSUERS} (or none, for all)`);
  }
  if (q.checkpointOwner !== undefined && typeof q.checkpointOwner !== 'string') {
    throw LogsBadQuery('checkpointOwner must be a name');
  }
  const long = [...issuers, q.checkpointOwner ?? ''].find((n) => n.length > MAX_NAME_LENGTH);
  if (long !== undefined) {
    throw LogsBadQuery(`"${long.slice(0, 32)}…" is longer than ${MAX_NAME_LENGTH} characters: no name is`);
  }
}

function checkMs(name: string, value: number | undefined, max: number): void {
  if (value !== undefined && !(Number.isFinite(value) && value >= 1 && value <= max)) {
    throw LogsBadReadOptions(`${name} ${String(value)} is not a number of ms between 1 and ${max}`);
  }
}

/** Checks a read's options (budget and slice; the caller's code sets them, not the request). */
export function checkReadOptions(options: ReadOptions): void {
  checkMs('budgetMs', options.budgetMs, MAX_BUDGET_MS);
  checkMs('sliceMs', options.sliceMs, MAX_SLICE_MS);
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
