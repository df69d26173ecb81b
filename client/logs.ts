// Logs and checkpoints across the agents of all segments: each agent stores the lines of its segment,
// so a query asks every agent and merges the answers in time order, a follow interleaves their
// streams, and a checkpoint is written to every agent (with one timestamp) so that history ranges
// work the same on each.
import type { ApiCheckpoint, ApiLogLine, LogQueryParams, LogStreamSelector } from '../api/agent/v1.js';
import { isWaltError } from '../common/errors.js';
import type { AgentDirectory } from './agents.js';
import { interleave, mergeByTime, take } from './merge.js';

export interface LogsApi {
  /** Every matching line of every agent (at most `params.limit`), oldest first, as they stream. */
  query(params: LogQueryParams, signal?: AbortSignal): AsyncIterable<ApiLogLine>;
  /** History (as filtered) then live lines, until `signal` aborts. */
  follow(params: LogQueryParams, signal: AbortSignal): AsyncIterable<ApiLogLine>;
  /** Deletes every line of the selected streams on every agent; how many in all. */
  deleteStreams(selector: LogStreamSelector): Promise<number>;
  /** A checkpoint on every agent; `ts` defaults to now (the client's clock, the same on each). */
  addCheckpoint(checkpoint: ApiCheckpoint): Promise<void>;
  /** Checkpoints of `owner`, each name once, by time. */
  listCheckpoints(owner?: string): Promise<ApiCheckpoint[]>;
  removeCheckpoint(name: string, owner?: string): Promise<void>;
}

const byTime = (a: ApiCheckpoint, b: ApiCheckpoint): number =>
  Date.parse(a.ts ?? '') - Date.parse(b.ts ?? '') || a.name.localeCompare(b.name);

export function createLogsApi(agents: AgentDirectory, now: () => Date = () => new Date()): LogsApi {
  return {
    query(params, signal) {
      return {
        async *[Symbol.asyncIterator]() {
          const all = await agents.all();
          const merged = mergeByTime(all.map((a) => a.queryLogs(params, signal)));
          // Each store answers its oldest `limit` matching lines: the oldest `limit` of their merge are
          // the oldest overall (the newest of them would not be).
          yield* take(merged, params.limit);
        },
      };
    },
    follow(params, signal) {
      return {
        async *[Symbol.asyncIterator]() {
          const all = await agents.all();
          yield* interleave(all.map((a) => a.followLogs(params, signal)));
        },
      };
    },
    async deleteStreams(selector) {
      const counts = await Promise.all((await agents.all()).map((a) => a.deleteLogStreams(selector)));
      return counts.reduce((sum, n) => sum + n, 0);
    },
    async addCheckpoint(checkpoint) {
      const stamped = { ...checkpoint, ts: checkpoint.ts ?? now().toISOString() };
      for (const agent of await agents.all()) await agent.addCheckpoint(stamped);
    },
    async listCheckpoints(owner) {
      const lists = await Promise.all((await agents.all()).map((a) => a.listCheckpoints(owner)));
      const byName = new Map<string, ApiCheckpoint>();
      for (const checkpoint of lists.flat())
        if (!byName.has(checkpoint.name)) byName.set(checkpoint.name, checkpoint);
      return [...byName.values()].sort(byTime);
    },
    async removeCheckpoint(name, owner) {
      const errors: unknown[] = [];
      const all = await agents.all();
      for (const agent of all)
        await agent.removeCheckpoint(name, owner).catch((e: unknown) => errors.push(e));
      // Removed wherever it was: only "not found everywhere" (or another failure) is an error.
      const notFound = (e: unknown): boolean => isWaltError(e) && e.statusCode === 404;
      const other = errors.find((e) => !notFound(e));
      if (other !== undefined) throw other as Error;
      if (errors.length === all.length) throw errors[0] as Error;
    },
  };
}
