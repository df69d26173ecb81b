// Node log intake (POST /api/v1/nodes/<node>/logs, walt-reference §3.4 over HTTP): a text body, one log
// line per text line. With ts=provided each line starts with "<float epoch seconds> "; a line without
// it is dropped (and counted). Provided timestamps older than 10 years or more than 1 s ahead are
// replaced by the reception time, as WalT does.
import type { LogLine } from '../../log-store/store.js';
import { LogsBadParam, LogsBadStreamName } from './errors.js';
import { epochToDate, parseFloatStrict } from './time.js';

export type TsMode = 'provided' | 'server';

const STREAM_NAME = /^[A-Za-z0-9._-]{1,128}$/;
const TEN_YEARS_MS = 10 * 365.25 * 24 * 3600 * 1000;
const MAX_AHEAD_MS = 1000;

export function checkStreamName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !STREAM_NAME.test(name)) throw LogsBadStreamName(String(name));
}

export function tsModeOf(value: string | undefined): TsMode {
  if (value === undefined || value === 'server') return 'server';
  if (value === 'provided') return 'provided';
  throw LogsBadParam('ts', value, 'use ts=provided (lines start with "<epoch seconds> ") or ts=server');
}

export interface ParsedLines {
  lines: LogLine[];
  /** Lines dropped because they lack a valid timestamp (ts=provided). */
  dropped: number;
}

/** The text lines of a body: "\n" or "\r\n" separated; a last line without newline counts. */
export function splitLines(body: string): string[] {
  if (body === '') return [];
  const parts = body.split('\n');
  if (parts.at(-1) === '') parts.pop();
  return parts.map((p) => (p.endsWith('\r') ? p.slice(0, -1) : p));
}

function providedTs(text: string, received: Date): { ts: Date; line: string } | undefined {
  const space = text.indexOf(' ');
  if (space <= 0) return undefined;
  const seconds = parseFloatStrict(text.slice(0, space));
  if (seconds === undefined) return undefined;
  const ts = epochToDate(seconds, 's');
  const now = received.getTime();
  const plausible = ts.getTime() >= now - TEN_YEARS_MS && ts.getTime() <= now + MAX_AHEAD_MS;
  return { ts: plausible ? ts : received, line: text.slice(space + 1) };
}

export interface IntakeRequest {
  issuer: string;
  stream: string;
  mode: TsMode;
  body: string;
  received: Date;
}

export function parseNodeLines(req: IntakeRequest): ParsedLines {
  const lines: LogLine[] = [];
  let dropped = 0;
  for (const text of splitLines(req.body)) {
    if (req.mode === 'server') {
      lines.push({ ts: req.received, issuer: req.issuer, stream: req.stream, line: text });
      continue;
    }
    const parsed = providedTs(text, req.received);
    if (parsed === undefined) dropped++;
    else lines.push({ ts: parsed.ts, issuer: req.issuer, stream: req.stream, line: parsed.line });
  }
  return { lines, dropped };
}
