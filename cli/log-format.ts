// `walt log show --format` (pure): WalT's Python format strings, e.g. the default
// "{timestamp:%H:%M:%S.%f} {issuer}.{stream} -> {line}". Fields: timestamp (with an optional strftime
// specification, local time as WalT prints it), issuer, stream, line; {{ and }} are braces.
import { ERR_CLI_BAD_LOG_FORMAT } from '../client/errors.js';
import type { ApiLogLine } from '../api/agent/v1.js';

export const DEFAULT_LOG_FORMAT = '{timestamp:%H:%M:%S.%f} {issuer}.{stream} -> {line}';

const FIELDS = ['timestamp', 'issuer', 'stream', 'line'] as const;
type Field = (typeof FIELDS)[number];

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function offset(date: Date): string {
  const minutes = -date.getTimezoneOffset();
  const sign = minutes >= 0 ? '+' : '-';
  return `${sign}${pad(Math.floor(Math.abs(minutes) / 60))}${pad(Math.abs(minutes) % 60)}`;
}

const DIRECTIVES: Record<string, (d: Date) => string> = {
  Y: (d) => String(d.getFullYear()),
  y: (d) => pad(d.getFullYear() % 100),
  m: (d) => pad(d.getMonth() + 1),
  d: (d) => pad(d.getDate()),
  H: (d) => pad(d.getHours()),
  I: (d) => pad(d.getHours() % 12 || 12),
  p: (d) => (d.getHours() < 12 ? 'AM' : 'PM'),
  M: (d) => pad(d.getMinutes()),
  S: (d) => pad(d.getSeconds()),
  f: (d) => `${pad(d.getMilliseconds(), 3)}000`,
  a: (d) => DAYS[d.getDay()]!,
  b: (d) => MONTHS[d.getMonth()]!,
  z: offset,
  s: (d) => String(Math.floor(d.getTime() / 1000)),
  '%': () => '%',
};

/** strftime over a Date (local time). Unknown directives fail, as the format is checked up front. */
export function strftime(spec: string, date: Date): string {
  return spec.replace(/%(.)/g, (_, c: string) => {
    const directive = DIRECTIVES[c];
    if (!directive) throw new Error(`unknown strftime directive %${c}`);
    return directive(date);
  });
}

/** Python's str(datetime): "2026-01-31 10:00:00.123000". */
const pythonDate = (d: Date): string => strftime('%Y-%m-%d %H:%M:%S.%f', d);

type Piece = string | { field: Field; spec?: string };

function parsePieces(template: string): Piece[] {
  const pieces: Piece[] = [];
  const token = /\{\{|\}\}|\{([^{}]*)\}|[{}]|[^{}]+/g;
  for (const [text, inner] of template.matchAll(token)) {
    if (text === '{{' || text === '}}') pieces.push(text[0]!);
    else if (text === '{' || text === '}') throw ERR_CLI_BAD_LOG_FORMAT(template, `unmatched "${text}"`);
    else if (inner !== undefined) pieces.push(fieldOf(template, inner));
    else pieces.push(text);
  }
  return pieces;
}

function fieldOf(template: string, inner: string): Piece {
  const at = inner.indexOf(':');
  const name = at < 0 ? inner : inner.slice(0, at);
  const spec = at < 0 ? undefined : inner.slice(at + 1);
  if (!(FIELDS as readonly string[]).includes(name)) {
    throw ERR_CLI_BAD_LOG_FORMAT(template, `unknown field {${name}}`);
  }
  if (spec !== undefined && name !== 'timestamp') {
    throw ERR_CLI_BAD_LOG_FORMAT(template, `only {timestamp} takes a format specification`);
  }
  if (spec !== undefined) {
    try {
      strftime(spec, new Date(0));
    } catch (error) {
      throw ERR_CLI_BAD_LOG_FORMAT(template, (error as Error).message);
    }
  }
  return { field: name as Field, ...(spec !== undefined ? { spec } : {}) };
}

function render(piece: Exclude<Piece, string>, line: ApiLogLine): string {
  if (piece.field !== 'timestamp') return line[piece.field];
  const date = new Date(line.ts);
  return piece.spec !== undefined ? strftime(piece.spec, date) : pythonDate(date);
}

/** The printer of a format (checked now: a bad format fails before any log is read). */
export function compileLogFormat(template: string): (line: ApiLogLine) => string {
  const pieces = parsePieces(template);
  return (line) => pieces.map((p) => (typeof p === 'string' ? p : render(p, line))).join('');
}
