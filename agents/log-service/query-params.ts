// The query string of GET /api/v1/logs/query and /follow (api/agent/v1.ts LogQueryParams) → LogQuery.
// Every number and string is bounded here or by the route's schema (schemas.ts) before any work;
// regexes, time ranges and checkpoint names are then validated by the store itself when it is asked.
import { MAX_ISSUERS } from '../../log-store/query.js';
import type { LogQuery } from '../../log-store/store.js';
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

/** The largest `limit` (NDJSON answers; JSON ones stop at MAX_JSON_QUERY_LIMIT). */
export const MAX_QUERY_LIMIT = 1_000_000_000;

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
  if (!(Number.isSafeInteger(limit) && limit >= 1 && limit <= MAX_QUERY_LIMIT)) {
    throw LogsBadParam(
      'limit',
      String(value).slice(0, 32),
      `give a whole number from 1 to ${MAX_QUERY_LIMIT}`,
    );
  }
  return limit;
}

function filtersOf(qs: LogQueryString): LogQuery {
  const query: LogQuery = {};
  if (qs.issuer !== undefined) query.issuers = Array.isArray(qs.issuer) ? qs.issuer : [qs.issuer];
  if (query.issuers !== undefined && query.issuers.length > MAX_ISSUERS) {
    throw LogsBadParam('issuer', `${query.issuers.length} values`, `name at most ${MAX_ISSUERS} issuers`);
  }
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
