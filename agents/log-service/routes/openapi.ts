// GET /api/v1/openapi.json: the OpenAPI 3.0 description of the agent API (built once). Public: rate
// limited per client address (admission.ts).
import type { FastifyInstance } from 'fastify';
import { AGENT_PATHS } from '../../../api/agent/v1.js';
import type { Admission } from '../admission.js';
import { buildOpenApi } from '../openapi.js';

export function registerOpenApiRoute(app: FastifyInstance, segment: string, admission: Admission): void {
  let doc: object | undefined;
  app.get(
    AGENT_PATHS.openapi,
    { onRequest: admission.rateLimit('openapi') },
    () => (doc ??= buildOpenApi(segment)),
  );
}
