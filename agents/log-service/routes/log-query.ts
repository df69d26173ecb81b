// Our log API, reads (public, like WalT's log API):
//   GET /api/v1/logs/query  → { logs: ApiLogLine[], truncated: boolean, reason? }: at most `limit`
//                             lines (default 10 000, at most 100 000), the oldest first; truncated
//                             when more match (reason "limit") or when the read's time budget ran out
//                             (reason "time-budget"). With `Accept: application/x-ndjson`: every
//                             matching line (up to `limit` if given) as NDJSON, streamed from the
//                             store's cursor, then {"truncated":true,"reason":"time-budget"} if the
//                             budget cut it short; no memory bound to ask for.
//   GET /api/v1/logs/follow → NDJSON: history, then live lines, a {"heartbeat":true} line every 15 s,
//                             until the client disconnects (or the agent stops). A history cut by the
//                             budget is followed by {"truncated":true,"reason":"time-budget"}, then
//                             the live lines.
// Every read works in slices and stops at its budget (ADR 0010); callers without the token are rate
// limited per address, and follows and reads under way are capped (admission.ts).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AGENT_PATHS, NDJSON, type ApiLogLine } from '../../../api/agent/v1.js';
import { LogsUnknownCheckpoint } from '../../../log-store/errors.js';
import { LogsBadParam } from '../errors.js';
import type {
  LogQuery,
  LogReadResult,
  LogStore,
  ReadOptions,
  TruncationReason,
} from '../../../log-store/store.js';
import type { Admission } from '../admission.js';
import { toApiLine } from '../api-lines.js';
import type { LogLimits } from '../limits.js';
import type { LogMetrics } from '../metrics.js';
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
  limits: LogLimits;
  metrics: LogMetrics;
  admission: Admission;
}

type QueryRequest = FastifyRequest<{ Querystring: LogQueryString }>;

export interface QueryAnswer {
  logs: ApiLogLine[];
  truncated: boolean;
  reason?: 'limit' | TruncationReason;
}

/** The NDJSON line saying that the budget cut the answer short. */
export const truncatedLine = (reason: TruncationReason): string =>
  `${JSON.stringify({ truncated: true, reason })}\n`;

const wantsNdjson = (request: QueryRequest): boolean => (request.headers.accept ?? '').includes(NDJSON);

const readOptions = (deps: LogQueryDeps, extra: ReadOptions = {}): ReadOptions => ({
  budgetMs: deps.limits.budgetMs,
  sliceMs: deps.limits.sliceMs,
  ...extra,
});

async function queryLogs(
  deps: LogQueryDeps,
  request: QueryRequest,
  reply: FastifyReply,
): Promise<QueryAnswer> {
  const query = toLogQuery(request.query);
  const limit = query.limit ?? DEFAULT_QUERY_LIMIT;
  if (limit > MAX_JSON_QUERY_LIMIT) {
    throw LogsBadParam(
      'limit',
      String(limit),
      `a JSON answer holds at most ${MAX_JSON_QUERY_LIMIT} lines: ask for more with Accept: ${NDJSON} (streamed)`,
    );
  }
  const lines = deps.store.query({ ...query, limit: limit + 1 }, readOptions(deps)); // a bad regex throws here
  const release = deps.admission.enter('read', request, reply);
  try {
    // One more line than asked says whether more match.
    const logs: ApiLogLine[] = [];
    for await (const l of lines) logs.push(toApiLine(l));
    if (lines.truncated !== undefined) {
      deps.metrics.truncated.inc({ route: 'query', reason: lines.truncated });
      return { logs: logs.slice(0, limit), truncated: true, reason: lines.truncated };
    }
    if (logs.length <= limit) return { logs, truncated: false };
    logs.pop();
    return { logs, truncated: true, reason: 'limit' };
  } finally {
    release();
  }
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
async function writeLines(lines: LogReadResult, write: WriteText, signal: AbortSignal): Promise<void> {
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
  const lines = deps.store.query(query, readOptions(deps)); // a bad regex throws here: a 400 still
  const release = deps.admission.enter('read', request, reply);
  try {
    await answerStreamed(reply, ndjsonAnswer(deps, 'log query stream'), async (write, signal) => {
      await writeLines(lines, write, signal);
      if (lines.truncated === undefined) return;
      deps.metrics.truncated.inc({ route: 'query', reason: lines.truncated });
      await write(truncatedLine(lines.truncated));
    });
  } finally {
    release();
  }
}

async function followLogs(deps: LogQueryDeps, request: QueryRequest, reply: FastifyReply): Promise<void> {
  const query = toLogQuery(request.query);
  await checkCheckpoints(deps.store, query);
  const controller = new AbortController();
  let write: WriteText | undefined;
  const lines = deps.store.follow(
    query,
    controller.signal,
    readOptions(deps, {
      onTruncated: (reason) => {
        deps.metrics.truncated.inc({ route: 'follow', reason });
        void write?.(truncatedLine(reason));
      },
    }),
  ); // a bad regex throws here: a 400 still
  const release = deps.admission.enter('follow', request, reply);
  try {
    await answerStreamed(reply, ndjsonAnswer(deps, 'log follow', controller), async (writeText, signal) => {
      write = writeText;
      const heartbeat = setInterval(() => void writeText('{"heartbeat":true}\n'), deps.heartbeatMs);
      try {
        await writeLines(lines, writeText, signal);
      } finally {
        clearInterval(heartbeat);
      }
    });
  } finally {
    release();
  }
}

export function registerLogQueryRoutes(app: FastifyInstance, deps: LogQueryDeps): void {
  const schema = { querystring: logQueryStringSchema };
  app.get<{ Querystring: LogQueryString }>(
    AGENT_PATHS.logQuery,
    { schema, onRequest: deps.admission.rateLimit('query') },
    (request, reply) =>
      wantsNdjson(request) ? streamQuery(deps, request, reply) : queryLogs(deps, request, reply),
  );
  app.get<{ Querystring: LogQueryString }>(
    AGENT_PATHS.logFollow,
    { schema, onRequest: deps.admission.rateLimit('follow') },
    (request, reply) => followLogs(deps, request, reply),
  );
  app.addHook('preClose', (done) => {
    for (const stream of deps.streams) stream.abort();
    done();
  });
}
