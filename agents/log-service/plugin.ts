// The log service's routes on the agent's HTTP service: WalT's web API, our log API, checkpoints, the
// node log intake and the OpenAPI document. The public read routes share one admission (per-client
// rate limit, caps on follows and reads under way: admission.ts).
import type { FastifyInstance } from 'fastify';
import type { WaltImage, WaltNode } from '../../api/v1alpha1/index.js';
import type { LogStore } from '../../log-store/store.js';
import type { HttpContext, HttpPlugin } from '../http/context.js';
import { createAdmission } from './admission.js';
import type { LogBuffer } from './buffer.js';
import type { LogLimits } from './limits.js';
import type { LogMetrics } from './metrics.js';
import { registerCheckpointRoutes } from './routes/checkpoints.js';
import { registerLogAppendRoute } from './routes/log-append.js';
import { registerLogQueryRoutes } from './routes/log-query.js';
import { registerNodeLogsRoute } from './routes/node-logs.js';
import { registerOpenApiRoute } from './routes/openapi.js';
import { registerWebApiRoutes } from './routes/web-api.js';

export interface LogPluginDeps {
  segment: string;
  store: LogStore;
  buffer: LogBuffer;
  metrics: LogMetrics;
  listNodes(): WaltNode[];
  listImages(): WaltImage[];
  heartbeatMs: number;
  streams: Set<AbortController>;
  limits: LogLimits;
}

export function logPlugin(deps: LogPluginDeps): HttpPlugin {
  return (app: FastifyInstance, ctx: HttpContext): void => {
    const admission = createAdmission(ctx, deps.limits, deps.metrics);
    registerWebApiRoutes(app, { ...deps, admission });
    registerLogQueryRoutes(app, { ...deps, admission });
    registerLogAppendRoute(app, ctx, deps);
    registerCheckpointRoutes(app, ctx, deps.store, admission);
    registerNodeLogsRoute(app, ctx, deps);
    registerOpenApiRoute(app, deps.segment, admission);
  };
}
