// Our log API, writes (token):
//   POST   /api/v1/logs/lines with ApiAppendLogs (operator, users, platform streams). Lines are
//          buffered with the others and the answer (204) comes once they are stored.
//   DELETE /api/v1/logs/lines?issuer=&stream=  every line of the selected streams (an Experiment with
//          keep.logs false, on deletion) → { deleted, truncated? }. Buffered lines are stored first.
//          Deleted in batches (slices) within the time budget: truncated:true says lines remain
//          (call again).
import type { FastifyInstance } from 'fastify';
import { AGENT_PATHS, type ApiAppendLogs } from '../../../api/agent/v1.js';
import type { HttpContext } from '../../http/context.js';
import { requireToken } from '../../http/guards.js';
import { fromApiLines } from '../api-lines.js';
import type { LogBuffer } from '../buffer.js';
import type { LogLimits } from '../limits.js';
import type { LogMetrics } from '../metrics.js';
import { appendLogsBodySchema, deleteStreamsQuerySchema } from '../schemas.js';
import type { LogStore } from '../../../log-store/store.js';

/** Largest body of the log routes (append, node intake). */
export const LOG_BODY_LIMIT = 1024 * 1024;

export interface LogAppendDeps {
  store: LogStore;
  buffer: LogBuffer;
  metrics: LogMetrics;
  limits: LogLimits;
}

interface DeleteQuery {
  issuer?: string[];
  stream?: string;
}

export function registerLogAppendRoute(app: FastifyInstance, ctx: HttpContext, deps: LogAppendDeps): void {
  app.post<{ Body: ApiAppendLogs }>(
    AGENT_PATHS.logAppend,
    { bodyLimit: LOG_BODY_LIMIT, onRequest: requireToken(ctx), schema: { body: appendLogsBodySchema } },
    async (request, reply) => {
      const lines = fromApiLines(request.body.lines, new Date());
      await deps.buffer.append(lines);
      deps.metrics.lines.inc({ source: 'api' }, lines.length);
      return reply.code(204).send();
    },
  );
  app.delete<{ Querystring: DeleteQuery }>(
    AGENT_PATHS.logAppend,
    { onRequest: requireToken(ctx), schema: { querystring: deleteStreamsQuerySchema } },
    async (request) => {
      // Lines still in the buffer would be stored after the deletion.
      await deps.buffer.flush();
      const { issuer, stream } = request.query;
      const { budgetMs, sliceMs } = deps.limits;
      const selector = {
        ...(issuer === undefined ? {} : { issuers: issuer }),
        ...(stream === undefined ? {} : { streamRegex: stream }),
      };
      const { deleted, truncated } = await deps.store.deleteStreams(selector, { budgetMs, sliceMs });
      request.log.info({ issuers: issuer, stream, deleted, truncated }, 'log streams deleted');
      if (truncated === undefined) return { deleted };
      deps.metrics.truncated.inc({ route: 'delete', reason: truncated });
      return { deleted, truncated: true, reason: truncated };
    },
  );
}
