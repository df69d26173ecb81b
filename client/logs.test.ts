// Log queries across agents: answers merged by time; `limit` keeps the oldest lines overall, as each
// store does on its own.
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

/** An agent whose store holds `lines` (by time) and answers like the real one: the oldest `limit`. */
function agentWith(lines: ApiLogLine[]): AgentOperations {
  const queryLogs = (params: LogQueryParams): Promise<ApiLogLine[]> =>
    Promise.resolve(params.limit === undefined ? lines : lines.slice(0, params.limit));
  return { queryLogs } as unknown as AgentOperations;
}

function directory(agents: AgentOperations[]): AgentDirectory {
  return {
    forSegment: () => Promise.resolve(agents[0]!),
    all: () => Promise.resolve(agents),
    missing: () => Promise.resolve([]),
  };
}

describe('logs across agents', () => {
  const a = agentWith([line(1, 1, 'a'), line(2, 3, 'a'), line(3, 5, 'a')]);
  const b = agentWith([line(1, 2, 'b'), line(2, 4, 'b'), line(3, 6, 'b')]);
  const logs = createLogsApi(directory([a, b]));

  it('merges the answers by time', async () => {
    const merged = await logs.query({});
    expect(merged.map((l) => l.line)).toEqual(['a at 1', 'b at 2', 'a at 3', 'b at 4', 'a at 5', 'b at 6']);
  });

  it('keeps the oldest `limit` lines overall, as one store would', async () => {
    const limited = await logs.query({ limit: 3 });
    expect(limited.map((l) => l.line)).toEqual(['a at 1', 'b at 2', 'a at 3']);
  });
});
