// The query string of GET /api/v1/logs/query and /follow (api/agent/v1.ts LogQueryParams) → LogQuery.
// Regexes, bounds and checkpoint names are validated by the store itself when it is asked.
import type { LogQuery } from '../../logs/store.js';
import { LogsBadParam } from './errors.js';
import { parseTimeParam } from './time.js';

export interface LogQueryString {
  issuer?: string | string[];
  stream?: string;
  line?: string;
  since?: string;
  until?: string;
  fromCheckpoint?: string;
  toCheckpoint?: string;
  owner?: string;
  limit?: number | string;
}

const TIME_HINT = 'give an RFC 3339 time (2024-06-01T12:00:00Z) or epoch milliseconds';

function timeOf(param: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const date = parseTimeParam(value);
  if (date === undefined) throw LogsBadParam(param, value, TIME_HINT);
  return date;
}

function limitOf(value: number | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const limit = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(Number.isSafeInteger(limit) && limit >= 1)) {
    throw LogsBadParam('limit', String(value), 'give a whole number ≥ 1');
  }
  return limit;
}

function filtersOf(qs: LogQueryString): LogQuery {
  const query: LogQuery = {};
  if (qs.issuer !== undefined) query.issuers = Array.isArray(qs.issuer) ? qs.issuer : [qs.issuer];
  if (qs.stream !== undefined) query.streamRegex = qs.stream;
  if (qs.line !== undefined) query.lineRegex = qs.line;
  return query;
}

/** Only the parameters given end up in the query (an absent filter matches everything). */
export function toLogQuery(qs: LogQueryString): LogQuery {
  const query = filtersOf(qs);
  const from = timeOf('since', qs.since);
  const to = timeOf('until', qs.until);
  if (from) query.from = from;
  if (to) query.to = to;
  if (qs.fromCheckpoint !== undefined) query.fromCheckpoint = qs.fromCheckpoint;
  if (qs.toCheckpoint !== undefined) query.toCheckpoint = qs.toCheckpoint;
  if (qs.owner !== undefined) query.checkpointOwner = qs.owner;
  const limit = limitOf(qs.limit);
  if (limit !== undefined) query.limit = limit;
  return query;
}
