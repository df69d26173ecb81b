// Our log API, reads (public, like WalT's log API):
//   GET /api/v1/logs/query  → { logs: ApiLogLine[], truncated: boolean }: at most `limit` lines
//                             (default 10 000, at most 100 000), the oldest first; truncated when more
//                             match. With `Accept: application/x-ndjson`: every matching line (up to
//                             `limit` if given) as NDJSON, streamed from the store's cursor, then the
//                             end of the answer; no memory bound to ask for.
//   GET /api/v1/logs/follow → NDJSON: history, then live lines, a {"heartbeat":true} line every 15 s,
//                             until the client disconnects (or the agent stops).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AGENT_PATHS, NDJSON, type ApiLogLine } from '../../../api/agent/v1.js';
import { LogsUnknownCheckpoint } from '../../../logs/errors.js';
import { LogsBadParam } from '../errors.js';
import type { LogQuery, LogStore, StoredLine } from '../../../logs/store.js';
import { toApiLine } from '../api-lines.js';
import { toLogQuery, type LogQueryString } from '../query-params.js';
import { logQueryStringSchema } from '../schemas.js';
import { answerStreamed, type StreamedAnswer, type WriteText } from './streamed-answer.js';

export const FOLLOW_HEARTBEAT_MS = 15_000;
/** Lines of a JSON query answer without `limit`, and the most one may ask for (it is built in memory). */
export const DEFAULT_QUERY_LIMIT = 10_000;
export const MAX_JSON_QUERY_LIMIT = 100_000;

export interface LogQueryDeps {
  store: LogStore;
  heartbeatMs: number;
  /** Follows and streamed queries, aborted when the agent stops (a hijacked reply holds app.close()). */
  streams: Set<AbortController>;
}

type QueryRequest = FastifyRequest<{ Querystring: LogQueryString }>;

const wantsNdjson = (request: QueryRequest): boolean => (request.headers.accept ?? '').includes(NDJSON);

async function queryLogs(
  store: LogStore,
  request: QueryRequest,
): Promise<{ logs: ApiLogLine[]; truncated: boolean }> {
  const query = toLogQuery(request.query);
  const limit = query.limit ?? DEFAULT_QUERY_LIMIT;
  if (limit > MAX_JSON_QUERY_LIMIT) {
    throw LogsBadParam(
      'limit',
      String(limit),
      `a JSON answer holds at most ${MAX_JSON_QUERY_LIMIT} lines: ask for more with Accept: ${NDJSON} (streamed)`,
    );
  }
  // One more line than asked says whether more match.
  const logs: ApiLogLine[] = [];
  for await (const l of store.query({ ...query, limit: limit + 1 })) logs.push(toApiLine(l));
  const truncated = logs.length > limit;
  if (truncated) logs.pop();
  return { logs, truncated };
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

/** Writes each line as NDJSON until the lines end or the answer is aborted. */
async function writeLines(
  lines: AsyncIterable<StoredLine>,
  write: WriteText,
  signal: AbortSignal,
): Promise<void> {
  for await (const l of lines) {
    await write(`${JSON.stringify(toApiLine(l))}\n`);
    if (signal.aborted) break;
  }
}

const ndjsonAnswer = (deps: LogQueryDeps, what: string, controller?: AbortController): StreamedAnswer => ({
  type: `${NDJSON}; charset=utf-8`,
  streams: deps.streams,
  what,
  ...(controller ? { controller } : {}),
});

/** The query's lines as NDJSON, read from the store as the client takes them. */
async function streamQuery(deps: LogQueryDeps, request: QueryRequest, reply: FastifyReply): Promise<void> {
  const query = toLogQuery(request.query);
  await checkCheckpoints(deps.store, query);
  const lines = deps.store.query(query); // a bad regex throws here: a 400 still
  await answerStreamed(reply, ndjsonAnswer(deps, 'log query stream'), (write, signal) =>
    writeLines(lines, write, signal),
  );
}

async function followLogs(deps: LogQueryDeps, request: QueryRequest, reply: FastifyReply): Promise<void> {
  const query = toLogQuery(request.query);
  await checkCheckpoints(deps.store, query);
  const controller = new AbortController();
  const lines = deps.store.follow(query, controller.signal); // a bad regex throws here: a 400 still
  await answerStreamed(reply, ndjsonAnswer(deps, 'log follow', controller), async (write, signal) => {
    const heartbeat = setInterval(() => void write('{"heartbeat":true}\n'), deps.heartbeatMs);
    try {
      await writeLines(lines, write, signal);
    } finally {
      clearInterval(heartbeat);
    }
  });
}

export function registerLogQueryRoutes(app: FastifyInstance, deps: LogQueryDeps): void {
  const schema = { querystring: logQueryStringSchema };
  app.get<{ Querystring: LogQueryString }>(AGENT_PATHS.logQuery, { schema }, (request, reply) =>
    wantsNdjson(request) ? streamQuery(deps, request, reply) : queryLogs(deps.store, request),
  );
  app.get<{ Querystring: LogQueryString }>(AGENT_PATHS.logFollow, { schema }, (request, reply) =>
    followLogs(deps, request, reply),
  );
  app.addHook('preClose', (done) => {
    for (const stream of deps.streams) stream.abort();
    done();
  });
}
