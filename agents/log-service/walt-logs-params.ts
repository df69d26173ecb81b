// GET /api/v1/logs (WalT web API, walt-reference §2.8): `from` and `to` are required float epochs in
// `ts_unit` (s, the default, or ms: Grafana's ${__from}/${__to}), both within [1340000000 s, now + 2 s];
// `issuer` is an exact device name, `stream` an exact stream name (WalT: the regex ^stream$).
import { escapeRegex } from '../../common/regex.js';
import type { LogQuery } from '../../log-store/store.js';
import { WebApiBadLogsRange } from './errors.js';
import { epochToDate, parseFloatStrict, type TsUnit } from './time.js';
import type { QueryValues } from './walt-filters.js';

/** WalT's lower bound for `from`/`to`, in seconds (mid-2012). */
export const MIN_EPOCH_S = 1340000000;
/** How far in the future `from`/`to` may be, in milliseconds. */
export const MAX_AHEAD_MS = 2000;

export interface WaltLogsRequest {
  query: LogQuery;
  unit: TsUnit;
}

const last = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value.at(-1) : value;

function unitOf(value: string | undefined): TsUnit {
  if (value === undefined || value === 's' || value === 'ms') return value ?? 's';
  throw WebApiBadLogsRange(`invalid value '${value}' for 'ts_unit' (use 's' or 'ms')`);
}

function boundOf(name: 'from' | 'to', text: string | undefined, unit: TsUnit, nowMs: number): Date {
  if (text === undefined || text === '') {
    throw WebApiBadLogsRange(
      `'${name}' is required (a unix timestamp in ${unit === 's' ? 'seconds' : 'milliseconds'})`,
    );
  }
  const value = parseFloatStrict(text);
  if (value === undefined) throw WebApiBadLogsRange(`cannot interpret '${text}' as a 'float' for '${name}'`);
  const date = epochToDate(value, unit);
  if (date.getTime() < MIN_EPOCH_S * 1000 || date.getTime() > nowMs + MAX_AHEAD_MS) {
    throw WebApiBadLogsRange(
      `'${name}' must be a unix timestamp (ts_unit=${unit}) between ${MIN_EPOCH_S} s and now + 2 s`,
    );
  }
  return date;
}

function bounded(name: string, value: string | undefined, max: number): string | undefined {
  if (value !== undefined && value.length > max) {
    throw WebApiBadLogsRange(`'${name}' is longer than ${max} characters`);
  }
  return value;
}

export function parseWaltLogsRequest(qs: QueryValues, nowMs: number = Date.now()): WaltLogsRequest {
  const unit = unitOf(last(qs.ts_unit));
  const query: LogQuery = {
    from: boundOf('from', last(qs.from), unit, nowMs),
    to: boundOf('to', last(qs.to), unit, nowMs),
  };
  const issuer = bounded('issuer', last(qs.issuer), 253);
  const stream = bounded('stream', last(qs.stream), 256);
  if (issuer !== undefined && issuer !== '') query.issuers = [issuer];
  if (stream !== undefined && stream !== '') query.streamRegex = `^${escapeRegex(stream)}$`;
  return { query, unit };
}
