// WalT's web API lets a client ask for bare-text errors (`Prefer: errors=text-only`): the message
// alone, as text/plain, with the status. Other clients get the agent's usual JSON error.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { sendError, toWaltError } from '../http/reply-error.js';

export function prefersTextErrors(prefer: string | string[] | undefined): boolean {
  const values = Array.isArray(prefer) ? prefer : [prefer ?? ''];
  return values.some((v) =>
    v.split(',').some((p) => p.trim().toLowerCase().replace(/\s+/g, '') === 'errors=text-only'),
  );
}

/** Route-level error handler of the WalT web API routes. */
export function webApiErrorHandler(
  err: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  if (!prefersTextErrors(request.headers.prefer)) return sendError(reply, err);
  const coded = toWaltError(err);
  if (coded.statusCode >= 500) reply.log.error({ err }, 'request failed');
  return reply.code(coded.statusCode).type('text/plain; charset=utf-8').send(coded.message);
}
