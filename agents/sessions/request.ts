// The query of a session's WebSocket URL (SessionRequest of api/agent/v1.ts), validated before the
// upgrade with messages that say what to send (pure), and the argv the command channel runs on the
// node to start walt-session (ADR 0019).
import { MAX_WINDOW_CELLS } from '../../api/agent/session-frames.js';
import type { SessionRequest } from '../../api/agent/v1.js';
import { SessionBadRequest } from './errors.js';

/** Most arguments, and bytes of all arguments, of a session's command. */
export const MAX_SESSION_ARGS = 256;
export const MAX_SESSION_ARG_BYTES = 64 * 1024;

export interface SessionQueryInput {
  tty?: unknown;
  cols?: unknown;
  rows?: unknown;
  term?: unknown;
  arg?: unknown;
}

function cells(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'string' && /^[0-9]{1,5}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_WINDOW_CELLS)
    throw SessionBadRequest(`${name} must be a number from 1 to ${MAX_WINDOW_CELLS}`);
  return n;
}

function argsOf(value: unknown): string[] {
  const args = value === undefined ? [] : Array.isArray(value) ? value : [value];
  if (!args.every((arg): arg is string => typeof arg === 'string'))
    throw SessionBadRequest('arg must be strings');
  if (args.length > MAX_SESSION_ARGS) throw SessionBadRequest(`at most ${MAX_SESSION_ARGS} arg`);
  if (args.some((arg) => arg.includes('\0'))) throw SessionBadRequest('arguments cannot contain NUL bytes');
  if (args.reduce((sum, arg) => sum + Buffer.byteLength(arg), 0) > MAX_SESSION_ARG_BYTES)
    throw SessionBadRequest(`the arguments have more than ${MAX_SESSION_ARG_BYTES} bytes`);
  return args;
}

function termOf(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^[A-Za-z0-9._+-]{1,64}$/.test(value))
    throw SessionBadRequest('term must be a terminal name such as xterm-256color');
  return value;
}

/** The validated request; a session without a command is a login shell and needs a PTY. */
export function parseSessionQuery(query: SessionQueryInput): SessionRequest {
  if (query.tty !== undefined && query.tty !== '1' && query.tty !== '0')
    throw SessionBadRequest('tty must be 1 or 0');
  const tty = query.tty === '1';
  const command = argsOf(query.arg);
  if (!tty && command.length === 0) throw SessionBadRequest('give a command (arg=) or ask for a PTY (tty=1)');
  const term = termOf(query.term);
  const cols = cells(query.cols, 'cols');
  const rows = cells(query.rows, 'rows');
  return {
    command,
    tty,
    ...(cols === undefined ? {} : { cols }),
    ...(rows === undefined ? {} : { rows }),
    ...(term === undefined ? {} : { term }),
  };
}

/**
 * The node's sh starts walt-session (perl) from the node scripts' directory with the URL it connects
 * back to; perl missing is said in the command's output, which the agent hands to the client.
 */
export const NODE_SESSION_SCRIPT = [
  'command -v perl >/dev/null 2>&1 || { echo "walt: sessions need perl on the node (install perl-base)" >&2; exit 127; }',
  'WALT_SESSION_URL="$WALT_API/sessions/$1?secret=$2"; export WALT_SESSION_URL; shift 2',
  'exec perl "${WALT_HTTP%/*}/walt-session" "$@"',
].join('\n');

/** argv for the command channel: the session's id and secret, then walt-session's own arguments. */
export function nodeSessionArgv(id: string, secret: string, request: SessionRequest): string[] {
  return [
    'sh',
    '-c',
    NODE_SESSION_SCRIPT,
    'walt-session',
    id,
    secret,
    request.tty ? '1' : '0',
    String(request.cols ?? 80),
    String(request.rows ?? 24),
    request.term ?? 'xterm',
    ...request.command,
  ];
}
