// The same HTTP service served a second time on the pod network (--api-listen, ADR 0013), where the
// agent's Service sends the operator and users. The routes are the lab's (one set, one context), but
// every caller there must show the agent's bearer token before anything else is done: node routes
// know nodes by their lab lease address, which no pod-network caller holds, and the boot routes are
// for the lab only. Two routes answer without the token, for the kubelet:
//   GET /healthz  the service answers;
//   GET /readyz   200 while this replica serves: the HTTP service runs only on the segment's leader,
//                 so a standby has no listener, fails its readiness probe, and the Service's
//                 endpoints are the leader alone.
import type { FastifyInstance } from 'fastify';
import type { HttpContext } from './context.js';
import { requireToken } from './guards.js';

const OPEN = new Set(['/healthz', '/readyz']);

/** onRequest on the API listener: the token on every route but the probes. */
export function guardApiListener(app: FastifyInstance, ctx: HttpContext): void {
  const token = requireToken(ctx);
  app.addHook('onRequest', (request, reply, done) => {
    if (request.method === 'GET' && OPEN.has(request.url)) return done();
    token(request, reply, done);
  });
  app.get('/readyz', () => ({ status: 'ok', role: 'leader', segment: ctx.segment }));
}
