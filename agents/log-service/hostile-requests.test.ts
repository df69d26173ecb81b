// Hostile requests to the log service on a real HTTP service (port 0) with a real SQLite store: regex
// bombs and refused patterns, reads cut by the time budget (JSON, NDJSON, WalT's /api/v1/logs, follow),
// the per-client rate limit and the caps on follows. Timing figures are in bench/hostile-logs.
import * as k8s from '@kubernetes/client-node';
import type { AgentOperations } from '../../api/agent/v1.js';
import type { WaltSegment } from '../../api/v1alpha1/index.js';
import { agentOf } from '../../client/agent.js';
import { ERR_AGENT_ANSWER_TRUNCATED } from '../../client/errors.js';
import { LogsRegexTooLarge, LogsRegexUnsupported } from '../../log-store/errors.js';
import { LogsRateLimited, LogsTooManyStreams } from './errors.js';
import { startHarness, TOKEN, type ApiLine, type Harness } from '../../test/support/log-service-harness.js';

const T0 = 1_700_000_000_000;
const PAD = 'a'.repeat(200);

const errorOf = async (res: Response): Promise<string> => ((await res.json()) as { error: string }).error;

async function metric(h: Harness, name: string): Promise<number> {
  const text = await h.registry.metrics();
  const lines = text.split('\n').filter((l) => l.startsWith(name));
  return lines.reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
}

describe('log API under hostile reads', () => {
  let h: Harness;

  beforeAll(async () => {
    // A store with many lines, and a budget far shorter than a full scan of them
    h = await startHarness({ budgetMs: 1, sliceMs: 1 });
    const lines = Array.from({ length: 30_000 }, (_, i) => ({
      ts: new Date(T0 + i),
      issuer: 'bulk',
      stream: 'exp.bulk',
      line: `line ${i} ${PAD}`,
    }));
    lines.push({
      ts: new Date(T0 + 40_000),
      issuer: 'bomb',
      stream: 'exp.bomb',
      line: `${PAD.repeat(100)}x`,
    });
    lines.push({ ts: new Date(T0 + 40_001), issuer: 'bomb', stream: 'exp.bomb', line: PAD.repeat(100) });
    await h.logs.append(lines);
  }, 60_000);

  afterAll(async () => {
    await h.close();
  });

  const query = (qs: string, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${h.base}/api/v1/logs/query?${qs}`, { headers });

  it('refuses what RE2 cannot run and patterns too large, with coded 400s', async () => {
    for (const [qs, code] of [
      ['line=(a)%5C1', LogsRegexUnsupported.code],
      ['stream=(%3F%3Dexp)', LogsRegexUnsupported.code],
      ['line=(%3F%3C!a)b', LogsRegexUnsupported.code],
      ['line=(abc%7B1000%7D)%7B1000%7D', LogsRegexTooLarge.code],
    ] as const) {
      const res = await query(qs);
      expect({ qs, status: res.status, code: await errorOf(res) }).toEqual({ qs, status: 400, code });
      const follow = await fetch(`${h.base}/api/v1/logs/follow?${qs}`);
      expect({ qs, status: follow.status, code: await errorOf(follow) }).toEqual({ qs, status: 400, code });
    }
  });

  it('refuses a query longer than the bounds before any work', async () => {
    const issuers = Array.from({ length: 257 }, (_, i) => `issuer=n${i}`).join('&');
    expect((await query(issuers)).status).toBe(400);
    expect((await query(`line=${'x'.repeat(1025)}`)).status).toBe(400);
    for (const limit of ['-1', 'NaN', '1e99', '99999999999999999999']) {
      expect({ limit, status: (await query(`limit=${limit}`)).status }).toEqual({ limit, status: 400 });
    }
    expect((await query('since=9999999999999999')).status).toBe(400); // beyond what a Date holds
  });

  it('cuts a long scan at the budget: JSON says truncated with the reason', async () => {
    const res = await query('issuer=bulk&line=line%20%5Cd%2B9%20a%2B%24');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { logs: ApiLine[]; truncated: boolean; reason?: string };
    expect(body).toMatchObject({ truncated: true, reason: 'time-budget' });
    expect(body.logs.length).toBeLessThan(3000);
    expect(body.logs.every((l) => /^line \d+9 a+$/.test(l.line))).toBe(true);
    expect(await metric(h, 'walt_log_reads_truncated_total')).toBeGreaterThan(0);
  });

  it('cuts a long scan at the budget: NDJSON ends with a truncated line', async () => {
    const res = await query('issuer=bulk&line=%5Cd%2B%20a', { accept: 'application/x-ndjson' });
    expect(res.status).toBe(200);
    const values = (await res.text())
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(values.at(-1)).toEqual({ truncated: true, reason: 'time-budget' });
    expect(values.length - 1).toBeLessThan(30_000);
  });

  it("cuts WalT's /api/v1/logs at the budget, saying so after num_logs", async () => {
    const from = T0 / 1000 - 1;
    const res = await fetch(`${h.base}/api/v1/logs?from=${from}&to=${from + 100}&issuer=bulk`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { num_logs: number; logs: unknown[]; truncated?: boolean };
    expect(body.truncated).toBe(true);
    expect(body.num_logs).toBe(body.logs.length);
    expect(body.num_logs).toBeLessThan(30_000);
  });

  it('follows live lines after a history cut by the budget, saying it was cut', async () => {
    const controller = new AbortController();
    const res = await fetch(`${h.base}/api/v1/logs/follow?issuer=bulk&issuer=late`, {
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    let appended = false;
    while (!text.includes('"line":"late"')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      if (!appended && text.includes('"truncated":true')) {
        appended = true;
        await h.logs.append([{ ts: new Date(), issuer: 'late', stream: 'exp.late', line: 'late' }]);
      }
    }
    controller.abort();
    expect(text).toContain('{"truncated":true,"reason":"time-budget"}\n');
    expect(text.indexOf('"truncated"')).toBeLessThan(text.indexOf('"line":"late"'));
  });
});

describe('log API under regex bombs', () => {
  let h: Harness;

  beforeAll(async () => {
    // Lines that nearly match the bombs, among others, with the default budget
    h = await startHarness();
    const lines = Array.from({ length: 5_000 }, (_, i) => ({
      ts: new Date(T0 + i),
      issuer: 'bulk',
      stream: 'exp.bulk',
      line: PAD.repeat(5),
    }));
    lines.push({
      ts: new Date(T0 + 40_000),
      issuer: 'bomb',
      stream: 'exp.bomb',
      line: `${PAD.repeat(100)}x`,
    });
    await h.logs.append(lines);
  }, 60_000);

  afterAll(async () => {
    await h.close();
  });

  it('answers regex bombs with the right lines', async () => {
    for (const [line, want] of [
      ['(.%2B)%2Bx', 1],
      ['(a|a)*x', 1],
      ['^(a*)*%24', 5_000],
      ['(a%2Ba%2B)%2By', 0],
    ] as const) {
      const res = await fetch(`${h.base}/api/v1/logs/query?line=${line}`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { logs: ApiLine[]; truncated: boolean };
      expect({ line, count: body.logs.length, truncated: body.truncated }).toEqual({
        line,
        count: want,
        truncated: false,
      });
    }
  });
});

describe('public API admission', () => {
  let h: Harness;

  beforeAll(async () => {
    // A client may send 3 requests at once, then about one every 100 s; 2 follows at once
    h = await startHarness({ ratePerSecond: 0.01, rateBurst: 3, followsPerClient: 2, follows: 10 });
  });

  afterAll(async () => {
    await h.close();
  });

  it('answers 429 with Retry-After past the burst, on every public route, not to the token', async () => {
    const paths = ['/api/v1/nodes', '/api/v1/images', '/api/v1/openapi.json'];
    for (const p of paths) expect((await fetch(`${h.base}${p}`)).status).toBe(200);
    for (const p of [...paths, '/api/v1/logs/query', '/api/v1/checkpoints']) {
      const res = await fetch(`${h.base}${p}`);
      expect({ p, status: res.status }).toEqual({ p, status: 429 });
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await errorOf(res)).toBe(LogsRateLimited.code);
    }
    const text = await fetch(`${h.base}/api/v1/logs?from=1&to=2`, {
      headers: { prefer: 'errors=text-only' },
    });
    expect(text.status).toBe(429);
    const withToken = await fetch(`${h.base}/api/v1/nodes`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(withToken.status).toBe(200);
    expect(await metric(h, 'walt_log_api_rate_limited_total')).toBe(6);
  });

  it('lets the token holder past the per-client cap on follows', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const open = async (headers: Record<string, string>): Promise<[Response, AbortController]> => {
      const controller = new AbortController();
      const res = await fetch(`${h.base}/api/v1/logs/follow?issuer=nobody`, {
        headers,
        signal: controller.signal,
      });
      return [res, controller];
    };
    // The token (operator, CLI) skips the per-client cap: three follows from one address
    const opened = await Promise.all([open(auth), open(auth), open(auth)]);
    expect(opened.map(([res]) => res.status)).toEqual([200, 200, 200]);
    for (const [, controller] of opened) controller.abort();
  });
});

describe('follow caps without the token', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ followsPerClient: 2, follows: 3 });
  });

  afterAll(async () => {
    await h.close();
  });

  const open = async (): Promise<[Response, AbortController]> => {
    const controller = new AbortController();
    const res = await fetch(`${h.base}/api/v1/logs/follow?issuer=nobody`, { signal: controller.signal });
    return [res, controller];
  };

  it('refuses a third follow of one client with a coded 429, and takes it once one ends', async () => {
    const [a, ca] = await open();
    const [b, cb] = await open();
    expect([a.status, b.status]).toEqual([200, 200]);
    const [c] = await open();
    expect(c.status).toBe(429);
    expect(c.headers.get('retry-after')).toBe('5');
    expect(await errorOf(c)).toBe(LogsTooManyStreams.code);
    expect(await metric(h, 'walt_log_api_streams_refused_total')).toBe(1);
    // When one ends, a new one is taken (the server sees the close a little later)
    ca.abort();
    let again = 429;
    let last: AbortController | undefined;
    for (let i = 0; i < 200 && again !== 200; i++) {
      await new Promise((r) => setTimeout(r, 20));
      const [res, controller] = await open();
      again = res.status;
      last = controller;
    }
    expect(again).toBe(200);
    last?.abort();
    cb.abort();
  });
});

describe('the client library against budgets', () => {
  let h: Harness;
  const agent = (): AgentOperations =>
    agentOf(
      new k8s.KubeConfig(),
      { metadata: { name: 'lab' }, spec: {}, status: { agent: { apiUrl: h.base } } } as WaltSegment,
      { token: TOKEN, urlPolicy: { allowLoopback: true } },
    );

  beforeAll(async () => {
    h = await startHarness({ budgetMs: 1, sliceMs: 1 });
    const lines = Array.from({ length: 20_000 }, (_, i) => ({
      ts: new Date(T0 + i),
      issuer: 'bulk',
      stream: `experiment.lab.big.s${i % 2}`,
      line: `line ${i} ${PAD}`,
    }));
    await h.logs.append(lines);
  }, 60_000);

  afterAll(async () => {
    await h.close();
  });

  it('fails a query the agent cut short, with a code, instead of returning part of it as all', async () => {
    const read = async (): Promise<number> => {
      const lines: string[] = [];
      for await (const l of agent().queryLogs({ line: '\\d+ a+$' })) lines.push(l.line);
      return lines.length;
    };
    await expect(read()).rejects.toMatchObject({ code: ERR_AGENT_ANSWER_TRUNCATED.code });
  });

  it('asks a deletion cut by the budget again until every line is gone', async () => {
    const deleted = await agent().deleteLogStreams({ stream: '^experiment\\.lab\\.big\\.' });
    expect(deleted).toBe(20_000);
    const left = await fetch(`${h.base}/api/v1/logs/query?issuer=bulk&limit=1`);
    expect(((await left.json()) as { logs: unknown[] }).logs).toEqual([]);
  });
});
