// GET /api/v1/logs/query on a real HTTP service (port 0) with a real SQLite store holding more lines
// than a JSON answer carries: the default limit and the truncated flag, the largest JSON answer, and
// the NDJSON answer that streams every line; then the client library merging the streamed answers of
// two such agents.
import * as k8s from '@kubernetes/client-node';
import type { WaltSegment } from '../../api/v1alpha1/index.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAgentDirectory } from '../../client/agents.js';
import { createLogsApi } from '../../client/logs.js';
import { DEFAULT_QUERY_LIMIT, MAX_JSON_QUERY_LIMIT } from './routes/log-query.js';
import { startHarness, type ApiLine, type Harness } from '../../test/support/log-service-harness.js';

let h: Harness;
const T0 = 1_700_000_000_000;
const TOTAL = DEFAULT_QUERY_LIMIT + 5;

beforeAll(async () => {
  h = await startHarness();
  const lines = Array.from({ length: TOTAL }, (_, i) => ({
    ts: new Date(T0 + i),
    issuer: 'bulk',
    stream: 'exp.bulk',
    line: `line ${i}`,
  }));
  await h.logs.append(lines);
});

afterAll(async () => {
  await h.close();
});

const query = (qs: string, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(`${h.base}/api/v1/logs/query?issuer=bulk&${qs}`, { headers });

async function jsonAnswer(qs: string): Promise<{ logs: ApiLine[]; truncated: boolean }> {
  const res = await query(qs);
  expect(res.status).toBe(200);
  return (await res.json()) as { logs: ApiLine[]; truncated: boolean };
}

async function ndjsonLines(qs: string): Promise<string[]> {
  const res = await query(qs, { accept: 'application/x-ndjson' });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
  const text = await res.text();
  expect(text === '' || text.endsWith('\n')).toBe(true);
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as ApiLine).line);
}

describe('log API: query limits', () => {
  it('answers the oldest 10 000 lines without limit, and says more match', async () => {
    const answer = await jsonAnswer('');
    expect(answer.truncated).toBe(true);
    expect(answer.logs).toHaveLength(DEFAULT_QUERY_LIMIT);
    expect(answer.logs[0]!.line).toBe('line 0');
    expect(answer.logs.at(-1)!.line).toBe(`line ${DEFAULT_QUERY_LIMIT - 1}`);
  });

  it('answers every line when the limit covers them, and says nothing more matches', async () => {
    const answer = await jsonAnswer(`limit=${TOTAL}`);
    expect(answer.truncated).toBe(false);
    expect(answer.logs).toHaveLength(TOTAL);
    expect((await jsonAnswer('limit=3')).logs.map((l) => l.line)).toEqual(['line 0', 'line 1', 'line 2']);
  });

  it('refuses a JSON answer larger than 100 000 lines, pointing at NDJSON', async () => {
    const res = await query(`limit=${MAX_JSON_QUERY_LIMIT + 1}`);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; message: string };
    expect(body.error).toBe('WALT_ERR_LOGS_BAD_PARAM');
    expect(body.message).toContain('application/x-ndjson');
  });

  it('streams every matching line as NDJSON, in order, or the first `limit`', async () => {
    const all = await ndjsonLines('');
    expect(all).toHaveLength(TOTAL);
    expect(all.every((line, i) => line === `line ${i}`)).toBe(true);
    expect(await ndjsonLines('limit=2')).toEqual(['line 0', 'line 1']);
    expect(await ndjsonLines('line=^nothing$')).toEqual([]);
  });

  it.each([
    ['line=(', 400, 'WALT_ERR_LOGS_BAD_REGEX'],
    ['fromCheckpoint=nosuch', 404, 'WALT_ERR_LOGS_UNKNOWN_CHECKPOINT'],
  ])('answers a bad NDJSON query (%s) with a JSON error before streaming', async (qs, status, code) => {
    const res = await query(qs, { accept: 'application/x-ndjson' });
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: string }).error).toBe(code);
  });
});

describe("WalT's /api/v1/logs: no limit, streamed", () => {
  it('answers every line of the range in its shape', async () => {
    const from = T0 / 1000 - 1;
    const to = (T0 + TOTAL) / 1000;
    const res = await fetch(`${h.base}/api/v1/logs?from=${from}&to=${to}&issuer=bulk`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as { num_logs: number; logs: Array<{ line: string; timestamp: number }> };
    expect(body.num_logs).toBe(TOTAL);
    expect(body.logs).toHaveLength(TOTAL);
    expect(body.logs[0]).toEqual({
      timestamp: T0 / 1000,
      line: 'line 0',
      issuer: 'bulk',
      stream: 'exp.bulk',
    });
    expect(body.logs.at(-1)!.line).toBe(`line ${TOTAL - 1}`);
  });
});

describe('client library: log queries across two agents', () => {
  let other: Harness;

  beforeAll(async () => {
    other = await startHarness();
    await other.logs.append([
      { ts: new Date(T0 - 1), issuer: 'bulk', stream: 'exp.bulk', line: 'other before' },
      { ts: new Date(T0 + TOTAL), issuer: 'bulk', stream: 'exp.bulk', line: 'other after' },
    ]);
  });

  afterAll(async () => {
    await other.close();
  });

  const segmentAt = (name: string, base: string): WaltSegment =>
    ({ metadata: { name }, spec: {}, status: { agent: { apiUrl: base } } }) as WaltSegment;
  /** The real agent directory over these segments; what it leaves out, by segment and code. */
  const logsOf = (segments: WaltSegment[], leftOut: string[] = []) =>
    createLogsApi(
      createAgentDirectory(
        new k8s.KubeConfig(),
        () => Promise.resolve(segments),
        { urlPolicy: { allowLoopback: true } },
        (segment, error) => leftOut.push(`${segment} ${error.code}`),
      ),
    );
  const logs = () => logsOf([segmentAt('a', h.base), segmentAt('b', other.base)]);

  async function lines(limit?: number): Promise<string[]> {
    const seen: string[] = [];
    const params = { issuers: ['bulk'], ...(limit === undefined ? {} : { limit }) };
    for await (const l of logs().query(params)) seen.push(l.line);
    return seen;
  }

  it('streams every line of both, merged by time: more than one JSON answer holds', async () => {
    const all = await lines();
    expect(all).toHaveLength(TOTAL + 2);
    expect(all[0]).toBe('other before');
    expect(all[1]).toBe('line 0');
    expect(all.at(-2)).toBe(`line ${TOTAL - 1}`);
    expect(all.at(-1)).toBe('other after');
  });

  it('keeps the oldest `limit` lines overall', async () => {
    expect(await lines(3)).toEqual(['other before', 'line 0', 'line 1']);
  });

  describe('with the agent of a third segment down', () => {
    let deadUrl: string;
    beforeAll(async () => {
      // A port nothing listens on any more: connections are refused, as to an agent that stopped.
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      deadUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      await new Promise((resolve) => server.close(resolve));
    });

    it('reads the others, and names the segment it left out', async () => {
      const leftOut: string[] = [];
      const api = logsOf([segmentAt('b', other.base), segmentAt('down', deadUrl)], leftOut);
      const seen: string[] = [];
      for await (const l of api.query({ issuers: ['bulk'] })) seen.push(l.line);
      expect(seen).toEqual(['other before', 'other after']);
      expect(leftOut).toEqual(['down WALT_ERR_AGENT_UNREACHABLE']);
      expect(await api.listCheckpoints()).toEqual([]);
    });

    it('fails when no agent answers', async () => {
      const api = logsOf([segmentAt('down', deadUrl)]);
      const read = async (): Promise<void> => {
        for await (const _ of api.query({ issuers: ['bulk'] })) void _;
      };
      await expect(read()).rejects.toMatchObject({ code: 'WALT_ERR_AGENT_UNREACHABLE' });
      await expect(api.listCheckpoints()).rejects.toMatchObject({ code: 'WALT_ERR_AGENT_UNREACHABLE' });
    });
  });
});
