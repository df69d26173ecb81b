// Logs and checkpoints across the agents of all segments: each agent stores the lines of its segment,
// so a query asks every agent and merges the answers in time order, a follow interleaves their
// streams, and a checkpoint is written to every agent (with one timestamp) so that history ranges
// work the same on each. Reads (queries, follows, checkpoint lists) do without an agent that cannot be
// reached, saying so (the directory's left-out listener: the CLI warns), as long as one answers: a
// segment whose agent is down does not stop the logs of the others. Writes need every agent.
import type { ApiCheckpoint, ApiLogLine, LogQueryParams, LogStreamSelector } from '../api/agent/v1.js';
import { isWaltError, type WaltError } from '../common/errors.js';
import type { AgentDirectory, SegmentAgent } from './agents.js';
import { ERR_AGENT_UNREACHABLE } from './errors.js';
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

const unreachable = (error: unknown): boolean => isWaltError(error, ERR_AGENT_UNREACHABLE);

/**
 * Reads one stream per agent, leaving out an agent found unreachable before its first line (a later
 * failure is the read's). Once every stream has ended, fails if every agent was left out.
 */
function readEach<T>(
  agents: AgentDirectory,
  read: (agent: SegmentAgent['agent']) => AsyncIterable<T>,
  combine: (streams: AsyncIterable<T>[]) => AsyncIterable<T>,
): AsyncIterable<T> {
  return {
    async *[Symbol.asyncIterator]() {
      const all = await agents.allBySegment();
      const leftOut: unknown[] = [];
      async function* tolerant({ segment, agent }: SegmentAgent): AsyncGenerator<T> {
        let started = false;
        try {
          for await (const item of read(agent)) {
            started = true;
            yield item;
          }
        } catch (error) {
          if (started || !unreachable(error)) throw error;
          leftOut.push(error);
          agents.leaveOut(segment, error as WaltError);
        }
      }
      yield* combine(all.map(tolerant));
      if (leftOut.length === all.length) throw leftOut[0] as Error;
    },
  };
}

/** One answer per agent, without the agents that cannot be reached (all of them: the first error). */
async function askEach<T>(
  agents: AgentDirectory,
  ask: (agent: SegmentAgent['agent']) => Promise<T>,
): Promise<T[]> {
  const all = await agents.allBySegment();
  const answers = await Promise.allSettled(all.map(({ agent }) => ask(agent)));
  const found: T[] = [];
  answers.forEach((answer, i) => {
    if (answer.status === 'fulfilled') found.push(answer.value);
    else if (unreachable(answer.reason) && answers.some((a) => a.status === 'fulfilled'))
      agents.leaveOut(all[i]!.segment, answer.reason as WaltError);
    else throw answer.reason as Error;
  });
  return found;
}

export function createLogsApi(agents: AgentDirectory, now: () => Date = () => new Date()): LogsApi {
  return {
    query(params, signal) {
      // Each store answers its oldest `limit` matching lines: the oldest `limit` of their merge are
      // the oldest overall (the newest of them would not be).
      const merged = readEach(agents, (a) => a.queryLogs(params, signal), mergeByTime);
      return take(merged, params.limit);
    },
    follow(params, signal) {
      return readEach(agents, (a) => a.followLogs(params, signal), interleave);
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
      const lists = await askEach(agents, (a) => a.listCheckpoints(owner));
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
