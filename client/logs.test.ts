// Log queries across agents: streamed answers merged by time; `limit` keeps the oldest lines overall,
// as each store does on its own.
import type { AgentOperations, ApiLogLine, LogQueryParams } from '../api/agent/v1.js';
import type { AgentDirectory } from './agents.js';
import { createLogsApi } from './logs.js';

const line = (id: number, second: number, issuer: string): ApiLogLine => ({
  id,
  ts: new Date(Date.UTC(2026, 10, 28, 12, 0, second)).toISOString(),
  issuer,
  stream: 'platform.nodes',
  line: `${issuer} at ${second}`,
});

/**
 * An agent whose store holds `lines` (by time) and answers like the real one: the oldest `limit`,
 * streamed; `closed` counts the answers the caller stopped reading early.
 */
function agentWith(lines: ApiLogLine[]): AgentOperations & { closed: number } {
  const agent = {
    closed: 0,
    async *queryLogs(params: LogQueryParams): AsyncGenerator<ApiLogLine> {
      const answer = params.limit === undefined ? lines : lines.slice(0, params.limit);
      let read = 0;
      try {
        for (const l of answer) {
          yield await Promise.resolve(l);
          read++;
        }
      } finally {
        if (read < answer.length) agent.closed++;
      }
    },
  };
  return agent as unknown as AgentOperations & { closed: number };
}

async function all(lines: AsyncIterable<ApiLogLine>): Promise<string[]> {
  const seen: string[] = [];
  for await (const l of lines) seen.push(l.line);
  return seen;
}

function directory(agents: AgentOperations[]): AgentDirectory {
  return {
    forSegment: () => Promise.resolve(agents[0]!),
    all: () => Promise.resolve(agents),
    allBySegment: () => Promise.resolve(agents.map((agent, i) => ({ segment: `s${i}`, agent }))),
    missing: () => Promise.resolve([]),
    leaveOut: () => undefined,
  };
}

describe('logs across agents', () => {
  const a = agentWith([line(1, 1, 'a'), line(2, 3, 'a'), line(3, 5, 'a')]);
  const b = agentWith([line(1, 2, 'b'), line(2, 4, 'b'), line(3, 6, 'b')]);
  const logs = createLogsApi(directory([a, b]));

  it('merges the answers by time', async () => {
    expect(await all(logs.query({}))).toEqual(['a at 1', 'b at 2', 'a at 3', 'b at 4', 'a at 5', 'b at 6']);
  });

  it('keeps the oldest `limit` lines overall, as one store would, and stops reading the answers', async () => {
    expect(await all(logs.query({ limit: 3 }))).toEqual(['a at 1', 'b at 2', 'a at 3']);
    // Both answers had lines left: both were closed, not read to their end.
    expect([a.closed, b.closed]).toEqual([1, 1]);
  });
});
