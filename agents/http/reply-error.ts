// The one shape of every error answer: `{ error: <WALT_ERR_… code>, message }` with the error's status.
// Fastify's own errors (validation, body limits, content types) are translated to our codes here.
import type { FastifyError, FastifyReply } from 'fastify';
import { isWaltError, WaltError } from '../../common/errors.js';
import {
  HttpBodyTooLarge,
  HttpInternal,
  HttpInvalidRequest,
  HttpUnsupportedMediaType,
  HttpUrlTooLong,
} from './errors.js';
import { lingerOnClose } from './linger.js';
import { DEFAULT_HINT, FIELD_HINTS } from './schemas.js';

export interface ErrorBody {
  error: string;
  message: string;
}

function hintFor(err: FastifyError): string {
  const first = err.validation?.[0];
  const params = (first?.params ?? {}) as { missingProperty?: string };
  const field = params.missingProperty ?? first?.instancePath.split('/').at(-1) ?? '';
  return FIELD_HINTS[field] ?? DEFAULT_HINT;
}

interface Known {
  bodyLimit?: number | undefined;
  contentType?: string | undefined;
  maxParamLength?: number | undefined;
}

/** fastify's own refusals that have a code of ours. */
const BY_FASTIFY_CODE: Readonly<Record<string, (known: Known) => WaltError>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: (k) => HttpBodyTooLarge(k.bodyLimit ?? 0),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: (k) => HttpUnsupportedMediaType(k.contentType ?? '', 'application/json'),
  FST_ERR_MAX_PARAM_LENGTH: (k) => HttpUrlTooLong(k.maxParamLength ?? 0),
};

function fromFastify(fe: Partial<FastifyError>, known: Known): WaltError | undefined {
  if (fe.validation)
    return HttpInvalidRequest(fe.message ?? 'validation failed', hintFor(fe as FastifyError));
  const byCode = fe.code === undefined ? undefined : BY_FASTIFY_CODE[fe.code];
  if (byCode) return byCode(known);
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
  if (status < 400 || status >= 500) return undefined;
  const message = HttpInvalidRequest(
    fe.message ?? 'bad request',
    'fix the request as the message says',
  ).message;
  return new WaltError(HttpInvalidRequest.code, message, status);
}

/** Our coded error for any error a handler or fastify raised. */
export function toWaltError(err: unknown, known: Known = {}): WaltError {
  if (isWaltError(err)) return err;
  return (
    fromFastify(err as Partial<FastifyError>, known) ??
    HttpInternal(err instanceof Error ? err.message : String(err))
  );
}

/** A body is announced (or chunked) and not all of it has arrived. */
function bodyUnread(reply: FastifyReply): boolean {
  const raw = reply.request.raw;
  const announced = raw.headers['content-length'] ?? raw.headers['transfer-encoding'];
  return announced !== undefined && announced !== '0' && !raw.complete;
}

/**
 * Answers `err` as `{ error, message }`. An answer given before the request's body was read (a refused
 * caller, a body over the limit) closes the connection: node:http would otherwise read and discard
 * the rest of the body to keep the connection alive. The close lingers (linger.ts) so that the client
 * gets to read the answer.
 */
export function sendError(
  reply: FastifyReply,
  err: unknown,
  known: Omit<Known, 'contentType'> = {},
): FastifyReply {
  const contentType = reply.request.headers['content-type'];
  const coded = toWaltError(err, { ...known, contentType });
  if (coded.statusCode >= 500 && coded.statusCode !== 503) reply.log.error({ err }, 'request failed');
  if (coded.statusCode === 503) reply.header('retry-after', '10');
  if (bodyUnread(reply)) {
    reply.header('connection', 'close');
    const socket = reply.raw.socket;
    if (socket) lingerOnClose(socket);
  }
  const body: ErrorBody = { error: coded.code, message: coded.message };
  return reply.code(coded.statusCode).type('application/json; charset=utf-8').send(body);
}
