// API and transport failures as the CLI's coded errors: a refused connection is "API unreachable"
// (exit 6), a 404 "not found" (3), a 409 "conflict" (4: exists already, or changed meanwhile), a 422 "invalid" (2) with the apiserver's own
// explanation (CEL messages say what to write), 401/403 "forbidden" (7).
import {
  ERR_CLI_ALREADY_EXISTS,
  ERR_CLI_CHANGED,
  ERR_CLI_FORBIDDEN,
  ERR_CLI_INVALID,
  ERR_CLI_NOT_FOUND,
  ERR_CLI_UNREACHABLE,
} from './errors.js';
import * as k8s from '@kubernetes/client-node';
import { isWaltError } from '../common/errors.js';

/** What was being done, for messages: verb "create", object "WaltNode vn2". */
export interface ApiCall {
  verb: string;
  object: string;
  server: string;
}

const TRANSPORT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EPIPE',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
]);

interface StatusBody {
  message?: string;
  reason?: string;
}

/** message and reason of the Status the API server sent back (a string body is JSON, or plain text). */
function statusBody(error: k8s.ApiException<unknown>): StatusBody {
  let body: unknown = error.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      return { message: (error.body as string).slice(0, 300) };
    }
  }
  const { message, reason } = (body ?? {}) as Record<string, unknown>;
  return {
    ...(typeof message === 'string' ? { message } : {}),
    ...(typeof reason === 'string' ? { reason } : {}),
  };
}

/** The errno-like code of a transport failure (node-fetch's FetchError, or its cause). */
function transportCode(error: unknown): string | undefined {
  const e = error as { code?: unknown; errno?: unknown; cause?: { code?: unknown } } | undefined;
  for (const code of [e?.code, e?.errno, e?.cause?.code]) {
    if (typeof code === 'string' && TRANSPORT_CODES.has(code)) return code;
  }
  return undefined;
}

type StatusTranslation = (call: ApiCall, detail: string, body: StatusBody) => Error;

const invalid: StatusTranslation = (call, detail) =>
  ERR_CLI_INVALID(`to ${call.verb} ${call.object}`, detail);
const forbidden: StatusTranslation = (call, detail) =>
  ERR_CLI_FORBIDDEN(`${call.verb} ${call.object}`, detail);
const unavailable: StatusTranslation = (call, detail) => ERR_CLI_UNREACHABLE(call.server, detail);

const BY_STATUS: Record<number, StatusTranslation> = {
  404: (call) => ERR_CLI_NOT_FOUND(call.object),
  409: (call, detail, body) => {
    if (body.reason === 'AlreadyExists') return ERR_CLI_ALREADY_EXISTS(call.object);
    if (body.reason === 'Conflict') return ERR_CLI_CHANGED(call.object, detail);
    return invalid(call, detail, body);
  },
  400: invalid,
  422: invalid,
  401: forbidden,
  403: forbidden,
  502: unavailable,
  503: unavailable,
  504: unavailable,
};

function fromStatus(error: k8s.ApiException<unknown>, call: ApiCall): Error {
  const body = statusBody(error);
  const detail = body.message ?? `HTTP ${error.code}`;
  const translate = BY_STATUS[error.code];
  return translate
    ? translate(call, detail, body)
    : new Error(`could not ${call.verb} ${call.object}: ${detail}`);
}

/** The coded error for a failed API call (coded errors pass through unchanged). */
export function translateApiError(error: unknown, call: ApiCall): Error {
  if (isWaltError(error)) return error;
  if (error instanceof k8s.ApiException) return fromStatus(error, call);
  const code = transportCode(error);
  if (code) return ERR_CLI_UNREACHABLE(call.server, code);
  const message = error instanceof Error ? error.message : String(error);
  if (/No currently active cluster|fetch failed|socket hang up/i.test(message)) {
    return ERR_CLI_UNREACHABLE(call.server, message);
  }
  return error instanceof Error ? error : new Error(message);
}

/** True for a 404 from the API (a get of something that does not exist). */
export function isNotFound(error: unknown): boolean {
  return error instanceof k8s.ApiException && error.code === 404;
}
