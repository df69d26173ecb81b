// WalT's public web API (walt-reference §2.8), GET only, WalT's JSON shapes (api/agent/v1.ts):
//   /api/v1/nodes?name=&model=&virtual=&image=&booted=&ip=&mac=
//   /api/v1/images?fullname=&user=&id=&in_use=
//   /api/v1/logs?from=&to=&ts_unit=s|ms&issuer=&stream=   (streamed: any range, in constant memory)
import type { FastifyInstance, FastifyReply } from 'fastify';
import {
  AGENT_PATHS,
  type WaltApiImage,
  type WaltApiImages,
  type WaltApiLog,
  type WaltApiNodes,
} from '../../../api/agent/v1.js';
import type { WaltImage, WaltNode } from '../../../api/v1alpha1/index.js';
import type { LogStore } from '../../../logs/store.js';
import { webApiErrorHandler } from '../text-errors.js';
import { dateToEpoch } from '../time.js';
import { applyFilters, IMAGE_FIELDS, NODE_FIELDS, parseFilters, type QueryValues } from '../walt-filters.js';
import { parseWaltLogsRequest } from '../walt-logs-params.js';
import { imagesInUse, toWaltImage, toWaltNode } from '../walt-shapes.js';
import { answerStreamed } from './streamed-answer.js';

export interface WebApiDeps {
  store: LogStore;
  listNodes(): WaltNode[];
  listImages(): WaltImage[];
  /** Streamed answers under way (streamed-answer.ts). */
  streams: Set<AbortController>;
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
async function waltLogs(deps: WebApiDeps, query: QueryValues, reply: FastifyReply): Promise<void> {
  const request = parseWaltLogsRequest(query); // a bad parameter throws here: a 400 still
  const lines = deps.store.query(request.query);
  const answer = { type: 'application/json; charset=utf-8', streams: deps.streams, what: 'WalT log query' };
  await answerStreamed(reply, answer, async (write, signal) => {
    let count = 0;
    await write('{"logs":[');
    for await (const l of lines) {
      const log: WaltApiLog = {
        timestamp: dateToEpoch(l.ts, request.unit),
        line: l.line,
        issuer: l.issuer,
        stream: l.stream,
      };
      await write(`${count === 0 ? '' : ','}${JSON.stringify(log)}`);
      count++;
      if (signal.aborted) return;
    }
    await write(`],"num_logs":${count}}`);
  });
}

export function registerWebApiRoutes(app: FastifyInstance, deps: WebApiDeps): void {
  const options = { errorHandler: webApiErrorHandler };
  app.get(AGENT_PATHS.nodes, options, (request) => waltNodes(deps.listNodes(), request.query as QueryValues));
  app.get(AGENT_PATHS.images, options, (request) =>
    waltImages(deps.listImages(), deps.listNodes(), request.query as QueryValues),
  );
  app.get(AGENT_PATHS.logs, options, (request, reply) => waltLogs(deps, request.query as QueryValues, reply));
}
