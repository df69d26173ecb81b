// Node log intake: POST /api/v1/nodes/<node>/logs?stream=<name>&ts=provided|server, text/plain body,
// one log line per text line (walt-log-echo, walt-log-cat, walt-log-tee). Only the node itself may
// post, from the address of its current DHCP lease (checked in onRequest, before the body is read);
// the node is the issuer. Lines without the timestamp that ts=provided promises are dropped and
// counted; the answer comes once the others are stored.
import type { FastifyInstance } from 'fastify';
import type { HttpContext } from '../../http/context.js';
import { HttpInvalidRequest } from '../../http/errors.js';
import { requireNode } from '../../http/guards.js';
import type { LogBuffer } from '../buffer.js';
import type { LogMetrics } from '../metrics.js';
import { checkStreamName, parseNodeLines, tsModeOf } from '../node-lines.js';
import { nodeLogsQuerySchema, nodeParamsSchema } from '../schemas.js';
import { LOG_BODY_LIMIT } from './log-append.js';

export interface NodeLogsDeps {
  buffer: LogBuffer;
  metrics: LogMetrics;
}

interface NodeLogsRoute {
  Params: { name: string };
  Querystring: { stream: string; ts?: string };
  Body: string | undefined;
}

export function registerNodeLogsRoute(app: FastifyInstance, ctx: HttpContext, deps: NodeLogsDeps): void {
  app.post<NodeLogsRoute>(
    '/api/v1/nodes/:name/logs',
    {
      bodyLimit: LOG_BODY_LIMIT,
      onRequest: requireNode(ctx),
      schema: { params: nodeParamsSchema, querystring: nodeLogsQuerySchema },
    },
    async (request) => {
      checkStreamName(request.query.stream);
      if (request.body !== undefined && typeof request.body !== 'string') {
        throw HttpInvalidRequest(
          'the body is not text',
          'send Content-Type: text/plain, one log line per line',
        );
      }
      const { lines, dropped } = parseNodeLines({
        issuer: request.params.name,
        stream: request.query.stream,
        mode: tsModeOf(request.query.ts),
        body: request.body ?? '',
        received: new Date(),
      });
      if (dropped > 0) deps.metrics.dropped.inc({ reason: 'no-timestamp' }, dropped);
      await deps.buffer.append(lines);
      deps.metrics.lines.inc({ source: 'node' }, lines.length);
      return { stored: lines.length, dropped };
    },
  );
}
