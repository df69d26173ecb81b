// Our log API's line shapes: stored lines out (ApiLogLine), appended lines in (ApiAppendLogs).
import type { ApiAppendLogs, ApiLogLine } from '../../api/agent/v1.js';
import type { LogLine, StoredLine } from '../../log-store/store.js';
import { LogsBadParam } from './errors.js';
import { parseTimeParam, rfc3339ms } from './time.js';

export function toApiLine(l: StoredLine): ApiLogLine {
  return { id: l.id, ts: rfc3339ms(l.ts), issuer: l.issuer, stream: l.stream, line: l.line };
}

/** An optional RFC 3339 (or epoch ms) time of a request body; `fallback` when absent. */
export function bodyTime(field: string, value: string | undefined, fallback: Date): Date {
  if (value === undefined) return fallback;
  const ts = parseTimeParam(value);
  if (ts === undefined)
    throw LogsBadParam(field, value, 'give an RFC 3339 time, e.g. 2024-06-01T12:00:00.000Z');
  return ts;
}

export function fromApiLines(lines: ApiAppendLogs['lines'], received: Date): LogLine[] {
  return lines.map((l, i) => ({
    ts: bodyTime(`lines[${i}].ts`, l.ts, received),
    issuer: l.issuer,
    stream: l.stream,
    line: l.line,
  }));
}
