// The log service on a real HTTP service (port 0) with a real SQLite store: WalT's web API, our log
// API (query, follow, append, checkpoints), the node log intake and the OpenAPI document.
import { AGENT_PATHS } from '../../api/agent/v1.js';
import {
  DEBIAN_ID,
  DEFAULT_ID,
  queryLines,
  startHarness,
  TOKEN,
  waitForLines,
  type Harness,
} from '../../test/support/log-service-harness.js';

let h: Harness;
const T0 = 1_700_000_000_000; // 2023-11-14T22:13:20Z

beforeAll(async () => {
  h = await startHarness();
  await h.logs.append([
    { ts: new Date(T0), issuer: 'vn1', stream: 'walt-init', line: 'Starting up.' },
    { ts: new Date(T0 + 1500), issuer: 'vn1', stream: 'exp.1', line: 'measure 1' },
    { ts: new Date(T0 + 2000), issuer: 'rpi', stream: 'exp.1', line: 'measure 2' },
    { ts: new Date(T0 + 3000), issuer: 'rpi', stream: 'exp.10', line: 'other stream' },
  ]);
});

afterAll(async () => {
  await h.close();
});

const get = (urlPath: string, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(`${h.base}${urlPath}`, { headers });

async function errorCode(res: Response): Promise<string> {
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return ((await res.json()) as { error: string }).error;
}

function post(urlPath: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${h.base}${urlPath}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}
const auth = { authorization: `Bearer ${TOKEN}` };

describe('WalT web API: /api/v1/nodes', () => {
  it("answers WalT's shape, virtual nodes with their extra fields", async () => {
    const res = await get('/api/v1/nodes');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { num_nodes: number; nodes: Record<string, unknown>[] };
    expect(body.num_nodes).toBe(2);
    expect(body.nodes).toEqual([
      {
        name: 'rpi',
        model: 'rpi-4-b',
        virtual: false,
        image: 'waltplatform/rpi-4-b-default:latest',
        booted: false,
        ip: null,
        mac: 'b8:27:eb:00:00:02',
        config: {},
      },
      {
        name: 'vn1',
        model: 'pc-x86-64',
        virtual: true,
        image: 'lab/debian:latest',
        booted: true,
        ip: '192.168.152.10',
        mac: '52:54:00:00:00:01',
        config: { netsetup: 'NAT', bootTimeout: 180, bootRetries: 9, kexecAllow: true, mountPersist: true },
        ram: '512M',
        'cpu.cores': 2,
        disks: '8G[template=ext4]',
        networks: 'walt-net,ext[lat=10ms]',
        'boot.delay': '5',
      },
    ]);
  });

  it.each([
    ['booted=true', ['vn1']],
    ['booted=false&virtual=false', ['rpi']],
    ['model=rpi-4-b', ['rpi']],
    ['image=lab/debian:latest', ['vn1']],
    ['ip=192.168.152.10', ['vn1']],
    ['mac=b8:27:eb:00:00:02', ['rpi']],
    ['name=vn1&booted=false', []],
    ['name=', ['rpi', 'vn1']],
  ])('filters %s', async (qs, names) => {
    const body = (await (await get(`/api/v1/nodes?${qs}`)).json()) as { nodes: { name: string }[] };
    expect(body.nodes.map((n) => n.name)).toEqual(names);
  });

  it("refuses an unknown filter with WalT's message, as JSON or as text", async () => {
    const json = await get('/api/v1/nodes?color=red');
    expect(json.status).toBe(400);
    expect(await json.json()).toEqual({
      error: 'WALT_ERR_WEBAPI_BAD_FILTER',
      message: "'color' is not a valid filtering field.",
    });
    const text = await get('/api/v1/nodes?color=red', { prefer: 'errors=text-only' });
    expect(text.status).toBe(400);
    expect(text.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await text.text()).toBe("'color' is not a valid filtering field.");
    const badBool = await get('/api/v1/nodes?booted=yes');
    expect(badBool.status).toBe(400);
    expect(await errorCode(badBool)).toBe('WALT_ERR_WEBAPI_BAD_VALUE');
  });
});

describe('WalT web API: /api/v1/images', () => {
  it('lists resolved images with owner, id, use and compatibility', async () => {
    const body = (await (await get('/api/v1/images')).json()) as {
      num_images: number;
      images: Record<string, unknown>[];
    };
    expect(body.num_images).toBe(3);
    expect(body.images).toEqual([
      {
        fullname: 'alice/tools:latest',
        user: 'alice',
        id: 'c'.repeat(64),
        in_use: false,
        created: '',
        compatibility: ['pc-x86-64'],
      },
      {
        fullname: 'lab/debian:latest',
        user: 'lab',
        id: DEBIAN_ID,
        in_use: true,
        created: '2024-05-06 07:08:09',
        compatibility: ['pc-x86-64', 'qemu-x86-64'],
      },
      {
        fullname: 'waltplatform/rpi-4-b-default:latest',
        user: 'waltplatform',
        id: DEFAULT_ID,
        in_use: true,
        created: '',
        compatibility: ['rpi-4-b'],
      },
    ]);
  });

  it.each([
    ['in_use=false', ['alice/tools:latest']],
    ['user=lab', ['lab/debian:latest']],
    [`id=${DEFAULT_ID}`, ['waltplatform/rpi-4-b-default:latest']],
    ['fullname=lab/debian:latest&in_use=true', ['lab/debian:latest']],
  ])('filters %s', async (qs, names) => {
    const body = (await (await get(`/api/v1/images?${qs}`)).json()) as { images: { fullname: string }[] };
    expect(body.images.map((i) => i.fullname)).toEqual(names);
  });

  it('refuses an unknown filter', async () => {
    const res = await get('/api/v1/images?refresh=true', { prefer: 'errors=text-only' });
    expect(res.status).toBe(400);
    expect(await res.text()).toBe("'refresh' is not a valid filtering field.");
  });
});

describe('WalT web API: /api/v1/logs', () => {
  const from = T0 / 1000 - 1;
  const to = T0 / 1000 + 10;

  it('answers the lines between two times, in seconds by default', async () => {
    const body = (await (await get(`/api/v1/logs?from=${from}&to=${to}`)).json()) as {
      num_logs: number;
      logs: unknown[];
    };
    expect(body.num_logs).toBe(4);
    expect(body.logs[1]).toEqual({
      timestamp: T0 / 1000 + 1.5,
      line: 'measure 1',
      issuer: 'vn1',
      stream: 'exp.1',
    });
  });

  it('filters by exact issuer and exact stream, timestamps in ms with ts_unit=ms', async () => {
    const res = await get(`/api/v1/logs?from=${from * 1000}&to=${to * 1000}&ts_unit=ms&stream=exp.1`);
    const body = (await res.json()) as { logs: { timestamp: number; issuer: string }[] };
    expect(body.logs.map((l) => [l.timestamp, l.issuer])).toEqual([
      [T0 + 1500, 'vn1'],
      [T0 + 2000, 'rpi'],
    ]);
    const rpi = (await (await get(`/api/v1/logs?from=${from}&to=${to}&issuer=rpi`)).json()) as {
      num_logs: number;
    };
    expect(rpi.num_logs).toBe(2);
  });

  it.each([
    ['without from', `to=${to}`],
    ['without to', `from=${from}`],
    ['with a non-float bound', `from=abc&to=${to}`],
    ['with a bound before 1340000000', `from=1339999999&to=${to}`],
    ['with a bound beyond now + 2 s', `from=${from}&to=${Date.now() / 1000 + 60}`],
    ['with a bad ts_unit', `from=${from}&to=${to}&ts_unit=h`],
  ])('answers 400 %s (JSON or text)', async (_what, qs) => {
    const res = await get(`/api/v1/logs?${qs}`);
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe('WALT_ERR_WEBAPI_BAD_LOGS_RANGE');
    const text = await get(`/api/v1/logs?${qs}`, { prefer: 'errors=text-only' });
    expect(text.status).toBe(400);
    expect(text.headers.get('content-type')).toMatch(/^text\/plain/);
    expect((await text.text()).length).toBeGreaterThan(10);
  });

  it('answers 400 when from is after to', async () => {
    const res = await get(`/api/v1/logs?from=${to}&to=${from}`);
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe('WALT_ERR_LOGS_BAD_TIME_RANGE');
  });
});

describe('log API: query', () => {
  const since = new Date(T0).toISOString();
  it.each([
    ['issuer=vn1', ['Starting up.', 'measure 1']],
    ['issuer=vn1&issuer=rpi&stream=^exp\\.1$', ['measure 1', 'measure 2']],
    ['line=^measure', ['measure 1', 'measure 2']],
    [`since=${T0 + 1500}&until=${T0 + 2000}`, ['measure 1', 'measure 2']],
    [`since=${since}&limit=1`, ['Starting up.']],
  ])('filters %s', async (qs, texts) => {
    const lines = await queryLines(h.base, qs.includes('until=') ? qs : `${qs}&until=${T0 + 5000}`);
    expect(lines.map((l) => l.line)).toEqual(texts);
  });

  it('answers ApiLogLine objects', async () => {
    const [first] = await queryLines(h.base, `issuer=vn1&stream=walt-init&until=${T0 + 5000}`);
    expect(first).toEqual({
      id: expect.any(Number) as number,
      ts: '2023-11-14T22:13:20.000Z',
      issuer: 'vn1',
      stream: 'walt-init',
      line: 'Starting up.',
    });
  });

  it.each([
    ['line=(', 400, 'WALT_ERR_LOGS_BAD_REGEX'],
    ['since=yesterday', 400, 'WALT_ERR_LOGS_BAD_PARAM'],
    ['limit=0', 400, 'WALT_ERR_HTTP_INVALID_REQUEST'],
    ['fromCheckpoint=nosuch', 404, 'WALT_ERR_LOGS_UNKNOWN_CHECKPOINT'],
  ])('refuses %s (%i %s)', async (qs, status, code) => {
    const res = await get(`/api/v1/logs/query?${qs}`);
    expect(res.status).toBe(status);
    expect(await errorCode(res)).toBe(code);
    if (!qs.startsWith('limit')) {
      const follow = await get(`/api/v1/logs/follow?${qs}`);
      expect(follow.status).toBe(status);
      expect(await errorCode(follow)).toBe(code);
    }
  });
});

/** Reads NDJSON objects from a streaming response. */
function ndjsonReader(res: Response): () => Promise<Record<string, unknown>> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  return async () => {
    for (;;) {
      const newline = buffered.indexOf('\n');
      if (newline >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        return JSON.parse(line) as Record<string, unknown>;
      }
      const chunk = (await reader.read()) as { value?: Uint8Array; done: boolean };
      if (chunk.done) throw new Error('stream ended');
      buffered += decoder.decode(chunk.value, { stream: true });
    }
  };
}

describe('log API: follow', () => {
  it('streams history, then lines appended later, once each, with heartbeats', async () => {
    const controller = new AbortController();
    const res = await fetch(`${h.base}/api/v1/logs/follow?issuer=vn1&issuer=rpi&stream=^exp`, {
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const next = ndjsonReader(res);
    const seen: string[] = [];
    const ids: number[] = [];
    const take = async (): Promise<void> => {
      const obj = await next();
      if (obj.heartbeat === true) return take();
      seen.push(obj.line as string);
      ids.push(obj.id as number);
    };
    for (let i = 0; i < 3; i++) await take();
    expect(seen).toEqual(['measure 1', 'measure 2', 'other stream']);
    await h.logs.append([{ ts: new Date(), issuer: 'rpi', stream: 'exp.2', line: 'live 1' }]);
    await take();
    // A heartbeat comes while nothing happens (300 ms in this test).
    let heartbeat = false;
    const heartbeatPromise = next().then((obj) => (heartbeat = obj.heartbeat === true));
    await heartbeatPromise;
    expect(heartbeat).toBe(true);
    await h.logs.append([{ ts: new Date(), issuer: 'rpi', stream: 'exp.2', line: 'live 2' }]);
    await take();
    expect(seen).toEqual(['measure 1', 'measure 2', 'other stream', 'live 1', 'live 2']);
    expect(new Set(ids).size).toBe(ids.length);
    controller.abort();
  });
});

describe('log API: append', () => {
  it('needs the token (401) and stores the lines (204)', async () => {
    const body = {
      lines: [
        { issuer: 'walt-server', stream: 'platform.test', line: 'appended', ts: '2024-01-01T00:00:00.250Z' },
      ],
    };
    const denied = await post(AGENT_PATHS.logAppend, body);
    expect(denied.status).toBe(401);
    expect(await errorCode(denied)).toBe('WALT_ERR_HTTP_UNAUTHORIZED');
    const wrong = await post(AGENT_PATHS.logAppend, body, { authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
    const res = await post(AGENT_PATHS.logAppend, body, auth);
    expect(res.status).toBe(204);
    const lines = await queryLines(h.base, 'stream=^platform\\.test$');
    expect(lines.map((l) => [l.ts, l.line])).toEqual([['2024-01-01T00:00:00.250Z', 'appended']]);
  });

  it('refuses malformed bodies (400)', async () => {
    expect((await post(AGENT_PATHS.logAppend, { lines: [{ issuer: 'x' }] }, auth)).status).toBe(400);
    const badTs = await post(
      AGENT_PATHS.logAppend,
      { lines: [{ issuer: 'x', stream: 's', line: 'l', ts: 'now' }] },
      auth,
    );
    expect(badTs.status).toBe(400);
    expect(await errorCode(badTs)).toBe('WALT_ERR_LOGS_BAD_PARAM');
  });

  it('stores platform and console lines of the service itself', async () => {
    h.logs.platform.nodeBooted('vn1', '192.168.152.10', 'lab/debian');
    h.logs.platform.nodeDown('vn1', 'reboot requested');
    h.logs.platform.imageProgress('lab/debian: 50% downloaded');
    h.logs.consoleLine('vn1', '[    0.000000] Linux version 6.1');
    const platform = await waitForLines(h.base, 'issuer=walt-server&stream=^platform\\.(nodes|devices)$', 3);
    expect(platform.map((l) => [l.stream, l.line])).toEqual([
      ['platform.nodes', 'node vn1 is booted (ip: 192.168.152.10, image: lab/debian)'],
      ['platform.nodes', 'node vn1 is down (cause: reboot requested)'],
      ['platform.devices', 'lab/debian: 50% downloaded'],
    ]);
    const console = await waitForLines(h.base, 'issuer=vn1&stream=^virtualconsole$', 1);
    expect(console.map((l) => l.line)).toEqual(['[    0.000000] Linux version 6.1']);
  });
});

describe('checkpoints', () => {
  it('adds, lists, uses and removes a checkpoint; POST and DELETE need the token', async () => {
    const cp = { name: 'before-exp', ts: new Date(T0 + 1000).toISOString(), owner: 'alice' };
    expect((await post(AGENT_PATHS.checkpoints, cp)).status).toBe(401);
    const added = await post(AGENT_PATHS.checkpoints, cp, auth);
    expect(added.status).toBe(201);
    expect(await added.json()).toEqual({
      name: 'before-exp',
      ts: '2023-11-14T22:13:21.000Z',
      owner: 'alice',
    });
    const again = await post(AGENT_PATHS.checkpoints, cp, auth);
    expect(again.status).toBe(409);
    expect(await errorCode(again)).toBe('WALT_ERR_LOGS_CHECKPOINT_EXISTS');
    const badName = await post(AGENT_PATHS.checkpoints, { name: '-bad name' }, auth);
    expect(badName.status).toBe(400);
    expect(await errorCode(badName)).toBe('WALT_ERR_LOGS_BAD_CHECKPOINT_NAME');
    const now = await post(AGENT_PATHS.checkpoints, { name: 'now1' }, auth);
    expect(((await now.json()) as { ts: string }).ts).toMatch(/^\d{4}-\d\d-\d\dT.*\.\d{3}Z$/);

    const listed = (await (await get('/api/v1/checkpoints?owner=alice')).json()) as {
      checkpoints: unknown[];
    };
    expect(listed.checkpoints).toEqual([
      { name: 'before-exp', ts: '2023-11-14T22:13:21.000Z', owner: 'alice' },
    ]);
    const shared = (await (await get('/api/v1/checkpoints?owner=')).json()) as {
      checkpoints: { name: string }[];
    };
    expect(shared.checkpoints.map((c) => c.name)).toEqual(['now1']);

    const lines = await queryLines(h.base, `fromCheckpoint=before-exp&owner=alice&until=${T0 + 2000}`);
    expect(lines.map((l) => l.line)).toEqual(['measure 1', 'measure 2']);

    const path = `${AGENT_PATHS.checkpoint('before-exp')}?owner=alice`;
    expect((await fetch(`${h.base}${path}`, { method: 'DELETE' })).status).toBe(401);
    expect((await fetch(`${h.base}${path}`, { method: 'DELETE', headers: auth })).status).toBe(204);
    const gone = await fetch(`${h.base}${path}`, { method: 'DELETE', headers: auth });
    expect(gone.status).toBe(404);
    expect(await errorCode(gone)).toBe('WALT_ERR_LOGS_UNKNOWN_CHECKPOINT');
  });
});

describe('node log intake', () => {
  const postText = (urlPath: string, body: string): Promise<Response> =>
    fetch(`${h.base}${urlPath}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body });

  it('drops and counts lines without the promised timestamp', async () => {
    const before =
      (await h.registry.getSingleMetric('walt_log_lines_dropped_total')?.get())?.values.find(
        (v) => v.labels.reason === 'no-timestamp',
      )?.value ?? 0;
    const res = await postText(
      '/api/v1/nodes/vn1/logs?stream=intake.1&ts=provided',
      `${T0 / 1000 + 5} good line\nno timestamp here\n`,
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ stored: 1, dropped: 1 });
    const lines = await queryLines(h.base, 'issuer=vn1&stream=^intake\\.1$');
    expect(lines.map((l) => [l.ts, l.line])).toEqual([[new Date(T0 + 5000).toISOString(), 'good line']]);
    const dropped = await h.registry.getSingleMetricAsString('walt_log_lines_dropped_total');
    expect(dropped).toContain(`walt_log_lines_dropped_total{reason="no-timestamp"} ${before + 1}`);
    expect(await h.registry.getSingleMetricAsString('walt_log_lines_total')).toMatch(
      /walt_log_lines_total\{source="node"\} [1-9]/,
    );
  });

  it("refuses a post for a node from another machine's address (403) and unknown nodes (404)", async () => {
    const other = await postText('/api/v1/nodes/rpi/logs?stream=x', 'hello\n');
    expect(other.status).toBe(403);
    expect(await errorCode(other)).toBe('WALT_ERR_HTTP_NOT_FROM_NODE');
    h.leases.delete('127.0.0.1');
    try {
      const noLease = await postText('/api/v1/nodes/vn1/logs?stream=x', 'hello\n');
      expect(noLease.status).toBe(403);
    } finally {
      h.leases.set('127.0.0.1', '52:54:00:00:00:01');
    }
    expect((await postText('/api/v1/nodes/nosuch/logs?stream=x', 'hello\n')).status).toBe(404);
    expect(await queryLines(h.base, 'stream=^x$')).toEqual([]);
  });

  it('validates the stream and ts mode, and takes bodies up to 1 MiB', async () => {
    const badStream = await postText('/api/v1/nodes/vn1/logs?stream=a%20b', 'x\n');
    expect(badStream.status).toBe(400);
    expect(await errorCode(badStream)).toBe('WALT_ERR_LOGS_BAD_STREAM_NAME');
    expect((await postText('/api/v1/nodes/vn1/logs?stream=big&ts=local', 'x\n')).status).toBe(400);
    expect((await postText('/api/v1/nodes/vn1/logs', 'x\n')).status).toBe(400);
    const big = `${'y'.repeat(99)}\n`.repeat(5000); // 500 kB: beyond the 4096-byte default
    const ok = await postText('/api/v1/nodes/vn1/logs?stream=big', big);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ stored: 5000, dropped: 0 });
    const tooBig = await postText('/api/v1/nodes/vn1/logs?stream=big', 'z'.repeat(1024 * 1024 + 1));
    expect(tooBig.status).toBe(413);
    // The other routes keep their 4096-byte limit.
    const bootup = await post('/api/v1/nodes/vn1/bootup', { pad: 'x'.repeat(5000) });
    expect(bootup.status).toBe(413);
  });
});

describe('GET /api/v1/openapi.json', () => {
  it('answers the OpenAPI document', async () => {
    const doc = (await (await get(AGENT_PATHS.openapi)).json()) as { openapi: string; paths: object };
    expect(doc.openapi).toBe('3.0.3');
    expect(Object.keys(doc.paths)).toContain('/api/v1/nodes/{node}/logs');
  });
});
