// GET /healthz: the HTTP service answers.
import type { FastifyInstance } from 'fastify';

export function registerHealthRoute(app: FastifyInstance): void {
  app.get('/healthz', () => ({ status: 'ok' }));
}
