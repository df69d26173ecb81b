// What controllers and users ask, validated with messages that say what to send (pure).
import path from 'node:path';
import type { ExecRequest } from '../../api/agent/v1.js';
import { BadCommand, BadFilesPath } from './errors.js';

export const DEFAULT_TIMEOUT_SECONDS = 300;
export const MAX_TIMEOUT_SECONDS = 86_400;
export const MAX_CONNECT_TIMEOUT_SECONDS = 3_600;
/** Default time for a file transfer to run on the node. */
export const DEFAULT_FILES_TIMEOUT_SECONDS = 600;

export interface ValidExec {
  command: string[];
  timeoutSeconds: number;
  connectTimeoutSeconds: number;
  logStream?: string;
  /** The caller's id for the command (idempotency key). */
  id?: string;
}

/** A command id: what the node's loop accepts, and safe in a URL and a script. */
export const COMMAND_ID_PATTERN = /^[0-9a-zA-Z_-]{1,64}$/;

function seconds(value: unknown, name: string, bounds: { min: number; max: number }): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < bounds.min || n > bounds.max) {
    throw BadCommand(`${name} must be a whole number of seconds from ${bounds.min} to ${bounds.max}`);
  }
  return n;
}

function optionalSeconds(
  value: unknown,
  name: string,
  bounds: { min: number; max: number; def: number },
): number {
  return value === undefined ? bounds.def : seconds(value, name, bounds);
}

function commandOf(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((arg) => typeof arg === 'string')) {
    throw BadCommand('"command" must be a non-empty array of strings, e.g. ["sh", "-c", "uname -a"]');
  }
  if (value.some((arg: string) => arg.includes('\0'))) {
    throw BadCommand('"command" arguments cannot contain NUL bytes');
  }
  return value;
}

function logStreamOf(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '' || value.length > 253 || /[\0\n\r]/.test(value)) {
    throw BadCommand('"logStream" must be a stream name of 1 to 253 characters on one line');
  }
  return value;
}

function idOf(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !COMMAND_ID_PATTERN.test(value)) {
    throw BadCommand('"id" must be 1 to 64 letters, digits, "_" or "-" (a key the caller chose)');
  }
  return value;
}

/** The body of POST /api/v1/nodes/<node>/exec, with defaults. */
export function parseExecRequest(body: unknown): ValidExec {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw BadCommand(
      'send a JSON object {"command": [...], "timeoutSeconds"?, "connectTimeoutSeconds"?, "logStream"?, "id"?}',
    );
  }
  const request = body as Partial<Record<keyof ExecRequest, unknown>>;
  const logStream = logStreamOf(request.logStream);
  const id = idOf(request.id);
  return {
    command: commandOf(request.command),
    timeoutSeconds: optionalSeconds(request.timeoutSeconds, '"timeoutSeconds"', {
      min: 1,
      max: MAX_TIMEOUT_SECONDS,
      def: DEFAULT_TIMEOUT_SECONDS,
    }),
    connectTimeoutSeconds: optionalSeconds(request.connectTimeoutSeconds, '"connectTimeoutSeconds"', {
      min: 0,
      max: MAX_CONNECT_TIMEOUT_SECONDS,
      def: 0,
    }),
    ...(logStream === undefined ? {} : { logStream }),
    ...(id === undefined ? {} : { id }),
  };
}

export interface FilesQuery {
  path?: unknown;
  timeoutSeconds?: unknown;
  connectTimeoutSeconds?: unknown;
}

export interface ValidFiles {
  /** Normalised absolute path. */
  path: string;
  timeoutSeconds: number;
  connectTimeoutSeconds: number;
}

function absolutePath(value: unknown): string {
  if (typeof value !== 'string' || value === '')
    throw BadFilesPath('', 'give ?path=<absolute path on the node>');
  if (value.includes('\0')) throw BadFilesPath(value, 'a path cannot contain NUL bytes');
  if (!value.startsWith('/')) throw BadFilesPath(value, 'give an absolute path (starting with /)');
  if (value.length > 4096) throw BadFilesPath(value.slice(0, 64), 'a path has at most 4096 characters');
  const normal = path.posix.normalize(value);
  return normal.length > 1 && normal.endsWith('/') ? normal.slice(0, -1) : normal;
}

/** The query of PUT/GET /api/v1/nodes/<node>/files. */
export function parseFilesQuery(query: FilesQuery): ValidFiles {
  return {
    path: absolutePath(query.path),
    timeoutSeconds: optionalSeconds(query.timeoutSeconds, 'timeoutSeconds', {
      min: 1,
      max: MAX_TIMEOUT_SECONDS,
      def: DEFAULT_FILES_TIMEOUT_SECONDS,
    }),
    connectTimeoutSeconds: optionalSeconds(query.connectTimeoutSeconds, 'connectTimeoutSeconds', {
      min: 0,
      max: MAX_CONNECT_TIMEOUT_SECONDS,
      def: 0,
    }),
  };
}

/** Parent directory and last component of a path to archive; "/" itself is refused. */
export function splitArchivePath(absolute: string): { parent: string; base: string } {
  if (absolute === '/') throw BadFilesPath(absolute, 'give a file or directory below /, not / itself');
  return { parent: path.posix.dirname(absolute), base: path.posix.basename(absolute) };
}
