// Our log API, reads (public, like WalT's log API):
//   GET /api/v1/logs/query  → { logs: ApiLogLine[] }
//   GET /api/v1/logs/follow → NDJSON: history, then live lines, a {"heartbeat":true} line every 15 s,
//                             until the client disconnects (or the agent stops).
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AGENT_PATHS, type ApiLogLine } from '../../../api/agent/v1.js';
import { LogsUnknownCheckpoint } from '../../../logs/errors.js';
import type { LogQuery, LogStore, StoredLine } from '../../../logs/store.js';
import { toApiLine } from '../api-lines.js';
import { toLogQuery, type LogQueryString } from '../query-params.js';
import { logQueryStringSchema } from '../schemas.js';

export const FOLLOW_HEARTBEAT_MS = 15_000;

export interface LogQueryDeps {
  store: LogStore;
  heartbeatMs: number;
  /** Follows under way, aborted when the agent stops (a hijacked reply would hold app.close()). */
  follows: Set<AbortController>;
}

type QueryRequest = FastifyRequest<{ Querystring: LogQueryString }>;

async function queryLogs(store: LogStore, request: QueryRequest): Promise<{ logs: ApiLogLine[] }> {
  const logs: ApiLogLine[] = [];
  for await (const l of store.query(toLogQuery(request.query))) logs.push(toApiLine(l));
  return { logs };
}

/** Unknown checkpoints would only surface once streaming started: answer 404 before. */
async function checkCheckpoints(store: LogStore, query: LogQuery): Promise<void> {
  const names = [query.fromCheckpoint, query.toCheckpoint].filter((n): n is string => n !== undefined);
  if (names.length === 0) return;
  const owner = query.checkpointOwner ?? '';
  const known = new Set((await store.listCheckpoints(owner)).map((c) => c.name));
  const missing = names.find((n) => !known.has(n));
  if (missing !== undefined) throw LogsUnknownCheckpoint(missing, owner);
}

/** Writes one NDJSON line, waiting for the socket to drain when it is full. */
async function writeLine(raw: ServerResponse, text: string, signal: AbortSignal): Promise<void> {
  if (raw.write(`${text}\n`) || signal.aborted) return;
  await once(raw, 'drain', { signal }).catch(() => undefined);
}

async function stream(
  lines: AsyncIterable<StoredLine>,
  raw: ServerResponse,
  controller: AbortController,
): Promise<void> {
  for await (const l of lines) {
    await writeLine(raw, JSON.stringify(toApiLine(l)), controller.signal);
    if (controller.signal.aborted) break;
  }
}

async function followLogs(deps: LogQueryDeps, request: QueryRequest, reply: FastifyReply): Promise<void> {
  const query = toLogQuery(request.query);
  await checkCheckpoints(deps.store, query);
  const controller = new AbortController();
  const lines = deps.store.follow(query, controller.signal); // a bad regex throws here: a 400 still
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'application/x-ndjson; charset=utf-8',
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
  });
  raw.flushHeaders();
  deps.follows.add(controller);
  raw.on('close', () => controller.abort());
  const heartbeat = setInterval(() => raw.write('{"heartbeat":true}\n'), deps.heartbeatMs);
  try {
    await stream(lines, raw, controller);
  } catch (err) {
    request.log.warn({ err }, 'log follow failed');
  } finally {
    clearInterval(heartbeat);
    deps.follows.delete(controller);
    controller.abort();
    raw.end();
  }
}

export function registerLogQueryRoutes(app: FastifyInstance, deps: LogQueryDeps): void {
  const schema = { querystring: logQueryStringSchema };
  app.get<{ Querystring: LogQueryString }>(AGENT_PATHS.logQuery, { schema }, (request) =>
    queryLogs(deps.store, request),
  );
  app.get<{ Querystring: LogQueryString }>(AGENT_PATHS.logFollow, { schema }, (request, reply) =>
    followLogs(deps, request, reply),
  );
  app.addHook('preClose', (done) => {
    for (const follow of deps.follows) follow.abort();
    done();
  });
}
