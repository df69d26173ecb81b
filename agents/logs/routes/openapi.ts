// GET /api/v1/openapi.json: the OpenAPI 3.0 description of the agent API (built once).
import type { FastifyInstance } from 'fastify';
import { AGENT_PATHS } from '../../../api/agent/v1.js';
import { buildOpenApi } from '../openapi.js';

export function registerOpenApiRoute(app: FastifyInstance, segment: string): void {
  let doc: object | undefined;
  app.get(AGENT_PATHS.openapi, () => (doc ??= buildOpenApi(segment)));
}
