// The one shape of every error answer: `{ error: <WALT_ERR_… code>, message }` with the error's status.
// Fastify's own errors (validation, body limits, content types) are translated to our codes here.
import type { FastifyError, FastifyReply } from 'fastify';
import { isWaltError, WaltError } from '../../common/errors.js';
import { HttpBodyTooLarge, HttpInternal, HttpInvalidRequest } from './errors.js';
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

function fromFastify(fe: Partial<FastifyError>, bodyLimit: number | undefined): WaltError | undefined {
  if (fe.validation)
    return HttpInvalidRequest(fe.message ?? 'validation failed', hintFor(fe as FastifyError));
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return HttpBodyTooLarge(bodyLimit ?? 0);
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
  if (status < 400 || status >= 500) return undefined;
  const message = HttpInvalidRequest(
    fe.message ?? 'bad request',
    'fix the request as the message says',
  ).message;
  return new WaltError(HttpInvalidRequest.code, message, status);
}

/** Our coded error for any error a handler or fastify raised. */
export function toWaltError(err: unknown, bodyLimit?: number): WaltError {
  if (isWaltError(err)) return err;
  return (
    fromFastify(err as Partial<FastifyError>, bodyLimit) ??
    HttpInternal(err instanceof Error ? err.message : String(err))
  );
}

export function sendError(reply: FastifyReply, err: unknown, bodyLimit?: number): FastifyReply {
  const coded = toWaltError(err, bodyLimit);
  if (coded.statusCode >= 500) reply.log.error({ err }, 'request failed');
  if (coded.statusCode === 503) reply.header('retry-after', '10');
  const body: ErrorBody = { error: coded.code, message: coded.message };
  return reply.code(coded.statusCode).type('application/json; charset=utf-8').send(body);
}
