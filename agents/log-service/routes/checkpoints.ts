// Checkpoints (WalT `walt log add-checkpoint`…): named times usable as query bounds, per owner.
//   GET    /api/v1/checkpoints?owner=         → { checkpoints: ApiCheckpoint[] } (no owner: all)
//   POST   /api/v1/checkpoints  ApiCheckpoint → 201 ApiCheckpoint (token; ts defaults to now)
//   DELETE /api/v1/checkpoints/<name>?owner=  → 204 (token)
// The GET is public: rate limited per client address (admission.ts). Store errors carry their status: 400 bad name, 404 unknown, 409 exists.
import type { FastifyInstance } from 'fastify';
import { AGENT_PATHS, type ApiCheckpoint } from '../../../api/agent/v1.js';
import type { Checkpoint, LogStore } from '../../../log-store/store.js';
import type { HttpContext } from '../../http/context.js';
import { requireToken } from '../../http/guards.js';
import type { Admission } from '../admission.js';
import { bodyTime } from '../api-lines.js';
import { checkpointParamsSchema, checkpointSchema, ownerQuerySchema } from '../schemas.js';
import { rfc3339ms } from '../time.js';

function toApi(c: Checkpoint): ApiCheckpoint {
  return { name: c.name, ts: rfc3339ms(c.ts), ...(c.owner === undefined ? {} : { owner: c.owner }) };
}

export function registerCheckpointRoutes(
  app: FastifyInstance,
  ctx: HttpContext,
  store: LogStore,
  admission: Admission,
): void {
  app.get<{ Querystring: { owner?: string } }>(
    AGENT_PATHS.checkpoints,
    { schema: { querystring: ownerQuerySchema }, onRequest: admission.rateLimit('checkpoints') },
    async (request) => ({ checkpoints: (await store.listCheckpoints(request.query.owner)).map(toApi) }),
  );
  app.post<{ Body: ApiCheckpoint }>(
    AGENT_PATHS.checkpoints,
    { onRequest: requireToken(ctx), schema: { body: checkpointSchema } },
    async (request, reply) => {
      const { name, owner } = request.body;
      const checkpoint: Checkpoint = { name, ts: bodyTime('ts', request.body.ts, new Date()) };
      if (owner !== undefined && owner !== '') checkpoint.owner = owner;
      await store.addCheckpoint(checkpoint);
      return reply.code(201).send(toApi(checkpoint));
    },
  );
  app.delete<{ Params: { name: string }; Querystring: { owner?: string } }>(
    '/api/v1/checkpoints/:name',
    {
      onRequest: requireToken(ctx),
      schema: { params: checkpointParamsSchema, querystring: ownerQuerySchema },
    },
    async (request, reply) => {
      await store.removeCheckpoint(request.params.name, request.query.owner);
      return reply.code(204).send();
    },
  );
}
