// Who may start work on the public read routes, and how much (ADR 0010): a per-address request rate
// (onRequest hook, before anything is parsed: 429 + Retry-After) and caps on concurrent follows and
// reads. A caller showing the agent's token (operator, CLI) skips the rate limit and the per-address
// caps; the totals hold for everyone.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { clientIp, type HttpContext } from '../http/context.js';
import { LogsRateLimited, LogsTooManyStreams } from './errors.js';
import type { LogLimits } from './limits.js';
import type { LogMetrics } from './metrics.js';
import { ConcurrencyGate, TokenBuckets } from './rate-limit.js';

export type StreamKind = 'follow' | 'read';

export interface Admission {
  /** onRequest hook of a public route (`route` labels the metric). */
  rateLimit(
    route: string,
  ): (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => void;
  /**
   * A place among the follows or reads under way (release it when the answer ends); throws 429 with
   * Retry-After when there is none.
   */
  enter(kind: StreamKind, request: FastifyRequest, reply: FastifyReply): () => void;
}

function holdsToken(ctx: HttpContext, request: FastifyRequest): boolean {
  const expected = ctx.apiToken();
  const header = request.headers.authorization ?? '';
  if (expected === undefined || !header.startsWith('Bearer ')) return false;
  const given = Buffer.from(header.slice('Bearer '.length).trim());
  const wanted = Buffer.from(expected);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/** When to try again for a place among the reads or follows (reads end within their budget). */
const STREAM_RETRY_AFTER_S = 5;

const WHAT: Record<StreamKind, string> = { follow: 'log follows', read: 'log reads' };

export function createAdmission(ctx: HttpContext, limits: LogLimits, metrics: LogMetrics): Admission {
  const buckets = new TokenBuckets(limits.ratePerSecond, limits.rateBurst, limits.rateClients);
  const gates: Record<StreamKind, ConcurrencyGate> = {
    follow: new ConcurrencyGate(limits.follows, limits.followsPerClient),
    read: new ConcurrencyGate(limits.scans, limits.scansPerClient),
  };
  return {
    rateLimit: (route) => (request, reply, done) => {
      if (holdsToken(ctx, request)) return done();
      const admitted = buckets.take(clientIp(request.ip), Date.now());
      if (admitted.ok) return done();
      metrics.rateLimited.inc({ route });
      void reply.header('retry-after', String(admitted.retryAfterS));
      done(LogsRateLimited(admitted.retryAfterS));
    },
    enter(kind, request, reply) {
      const client = clientIp(request.ip);
      const release = gates[kind].enter(client, !holdsToken(ctx, request));
      if (release === undefined) {
        metrics.refused.inc({ kind });
        void reply.header('retry-after', String(STREAM_RETRY_AFTER_S));
        const full = gates[kind].size >= (kind === 'follow' ? limits.follows : limits.scans);
        throw LogsTooManyStreams(WHAT[kind], full ? 'on this agent' : `from ${client}`);
      }
      metrics.open.inc({ kind });
      return () => {
        release();
        metrics.open.set({ kind }, gates[kind].size);
      };
    },
  };
}
