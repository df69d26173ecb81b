// WalT's public web API (walt-reference §2.8), GET only, WalT's JSON shapes (api/agent/v1.ts):
//   /api/v1/nodes?name=&model=&virtual=&image=&booted=&ip=&mac=
//   /api/v1/images?fullname=&user=&id=&in_use=
//   /api/v1/logs?from=&to=&ts_unit=s|ms&issuer=&stream=   (streamed: any range, in constant memory;
//     a read cut by its time budget ends with "truncated":true,"reason":"time-budget" after num_logs)
// Public: rate limited per client address, reads under way capped (admission.ts).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  AGENT_PATHS,
  type WaltApiImage,
  type WaltApiImages,
  type WaltApiLog,
  type WaltApiNodes,
} from '../../../api/agent/v1.js';
import type { WaltImage, WaltNode } from '../../../api/v1alpha1/index.js';
import type { LogReadResult, LogStore } from '../../../log-store/store.js';
import type { Admission } from '../admission.js';
import type { LogLimits } from '../limits.js';
import type { LogMetrics } from '../metrics.js';
import { webApiErrorHandler } from '../text-errors.js';
import { dateToEpoch, type TsUnit } from '../time.js';
import { applyFilters, IMAGE_FIELDS, NODE_FIELDS, parseFilters, type QueryValues } from '../walt-filters.js';
import { parseWaltLogsRequest } from '../walt-logs-params.js';
import { imagesInUse, toWaltImage, toWaltNode } from '../walt-shapes.js';
import { answerStreamed, type WriteText } from './streamed-answer.js';

export interface WebApiDeps {
  store: LogStore;
  listNodes(): WaltNode[];
  listImages(): WaltImage[];
  /** Streamed answers under way (streamed-answer.ts). */
  streams: Set<AbortController>;
  limits: LogLimits;
  metrics: LogMetrics;
  admission: Admission;
}

const byName = (a: { name: string }, b: { name: string }): number => a.name.localeCompare(b.name);

export function waltNodes(nodes: readonly WaltNode[], query: QueryValues): WaltApiNodes {
  const filters = parseFilters(query, NODE_FIELDS);
  const shaped = applyFilters(nodes.map(toWaltNode), filters).sort(byName);
  return { num_nodes: shaped.length, nodes: shaped };
}

export function waltImages(
  images: readonly WaltImage[],
  nodes: readonly WaltNode[],
  query: QueryValues,
): WaltApiImages {
  const filters = parseFilters(query, IMAGE_FIELDS);
  const inUse = imagesInUse(nodes);
  const shaped = images.map((i) => toWaltImage(i, inUse)).filter((i): i is WaltApiImage => i !== undefined);
  const selected = applyFilters(shaped, filters).sort((a, b) => a.fullname.localeCompare(b.fullname));
  return { num_images: selected.length, images: selected };
}

/**
 * WalT's {num_logs, logs} answer, written as the store reads the lines: `logs` comes first and
 * `num_logs` last (JSON parsers do not mind the order; the count is known only at the end).
 */
async function waltLogs(deps: WebApiDeps, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const request = parseWaltLogsRequest(req.query as QueryValues); // a bad parameter throws here: a 400 still
  const { budgetMs, sliceMs } = deps.limits;
  const lines = deps.store.query(request.query, { budgetMs, sliceMs });
  const answer = { type: 'application/json; charset=utf-8', streams: deps.streams, what: 'WalT log query' };
  const release = deps.admission.enter('read', req, reply);
  try {
    await answerStreamed(reply, answer, (write, signal) =>
      writeWaltLogs({ deps, lines, unit: request.unit }, write, signal),
    );
  } finally {
    release();
  }
}

async function writeWaltLogs(
  { deps, lines, unit }: { deps: WebApiDeps; lines: LogReadResult; unit: TsUnit },
  write: WriteText,
  signal: AbortSignal,
): Promise<void> {
  let count = 0;
  await write('{"logs":[');
  for await (const l of lines) {
    const log: WaltApiLog = {
      timestamp: dateToEpoch(l.ts, unit),
      line: l.line,
      issuer: l.issuer,
      stream: l.stream,
    };
    await write(`${count === 0 ? '' : ','}${JSON.stringify(log)}`);
    count++;
    if (signal.aborted) return;
  }
  if (lines.truncated === undefined) return write(`],"num_logs":${count}}`);
  deps.metrics.truncated.inc({ route: 'walt-logs', reason: lines.truncated });
  await write(`],"num_logs":${count},"truncated":true,"reason":"${lines.truncated}"}`);
}

export function registerWebApiRoutes(app: FastifyInstance, deps: WebApiDeps): void {
  const options = (route: string) => ({
    errorHandler: webApiErrorHandler,
    onRequest: deps.admission.rateLimit(route),
  });
  app.get(AGENT_PATHS.nodes, options('nodes'), (request) =>
    waltNodes(deps.listNodes(), request.query as QueryValues),
  );
  app.get(AGENT_PATHS.images, options('images'), (request) =>
    waltImages(deps.listImages(), deps.listNodes(), request.query as QueryValues),
  );
  app.get(AGENT_PATHS.logs, options('walt-logs'), (request, reply) => waltLogs(deps, request, reply));
}
