// A boot agent's HTTP API for the CLI suites, on port 0, as api/agent/v1.ts describes it: log
// query/follow/append and checkpoints kept in memory, exec answering from a table of canned results,
// and files kept as the last tar put (so `walt node cp` round-trips through real tar archives); the
// real agent's routes are tested in agents/ and by the end-to-end suite.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as k8s from '@kubernetes/client-node';
import {
  agentTokenSecretName,
  type ApiCheckpoint,
  type ApiLogLine,
  type ExecRequest,
  type ExecResult,
} from '../../api/agent/v1.js';
import { AGENT_NAMESPACE } from '../../api/rbac/segment-agent.js';
import { RESOURCES } from '../../api/v1alpha1/index.js';
import { kubeConfig } from './support/cluster.js';

export interface FakeAgent {
  url: string;
  token: string;
  lines: ApiLogLine[];
  checkpoints: ApiCheckpoint[];
  execs: { node: string; request: ExecRequest }[];
  files: Map<string, Buffer>;
  append(line: Omit<ApiLogLine, 'id' | 'ts'> & { ts?: string }): void;
  /** How many follow requests are open. */
  followers(): number;
  close(): Promise<void>;
}

type Route = (
  req: IncomingMessage,
  url: URL,
  body: Buffer,
) => { status: number; json?: unknown; raw?: Buffer; ndjson?: unknown[] } | 'follow';

type Answer = Exclude<ReturnType<Route>, 'follow'>;

function reply(res: ServerResponse, answer: Answer | undefined): void {
  if (!answer) {
    res.writeHead(404).end();
  } else if (answer.raw) {
    res.writeHead(answer.status, { 'content-type': 'application/x-tar' }).end(answer.raw);
  } else if (answer.ndjson) {
    res.writeHead(answer.status, { 'content-type': 'application/x-ndjson' });
    res.end(answer.ndjson.map((value) => `${JSON.stringify(value)}\n`).join(''));
  } else {
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(answer.json === undefined ? undefined : JSON.stringify(answer.json));
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

export async function startFakeAgent(
  exec: (node: string, r: ExecRequest) => Partial<ExecResult> = () => ({}),
): Promise<FakeAgent> {
  const token = 'test-token';
  const lines: ApiLogLine[] = [];
  const checkpoints: ApiCheckpoint[] = [];
  const execs: FakeAgent['execs'] = [];
  const files = new Map<string, Buffer>();
  const followers = new Set<{ url: URL; res: ServerResponse }>();

  const checkpointTime = (url: URL, name: string | null): number | undefined => {
    const c = name
      ? checkpoints.find((x) => x.name === name && x.owner === url.searchParams.get('owner'))
      : undefined;
    return c ? Date.parse(c.ts!) : undefined;
  };
  const bound = (url: URL, time: string, checkpoint: string): number | undefined => {
    const at = url.searchParams.get(time);
    return at ? Date.parse(at) : checkpointTime(url, url.searchParams.get(checkpoint));
  };
  const regex = (url: URL, key: string, text: string): boolean => {
    const source = url.searchParams.get(key);
    return !source || new RegExp(source).test(text);
  };
  const matches = (url: URL, line: ApiLogLine): boolean => {
    const issuers = url.searchParams.getAll('issuer');
    const at = Date.parse(line.ts);
    const since = bound(url, 'since', 'fromCheckpoint') ?? -Infinity;
    const until = bound(url, 'until', 'toCheckpoint') ?? Infinity;
    return (
      (issuers.length === 0 || issuers.includes(line.issuer)) &&
      regex(url, 'stream', line.stream) &&
      regex(url, 'line', line.line) &&
      at >= since &&
      at <= until
    );
  };
  const append: FakeAgent['append'] = (l) => {
    const line = { ...l, id: lines.length + 1, ts: l.ts ?? new Date().toISOString() };
    lines.push(line);
    for (const f of followers) if (matches(f.url, line)) f.res.write(`${JSON.stringify(line)}\n`);
  };
  const authorized = (req: IncomingMessage): boolean => req.headers.authorization === `Bearer ${token}`;

  const routes: Record<string, Route> = {
    'GET /api/v1/logs/query': (req, url) => {
      const found = lines.filter((l) => matches(url, l));
      return req.headers.accept?.includes('application/x-ndjson')
        ? { status: 200, ndjson: found }
        : { status: 200, json: { logs: found, truncated: false } };
    },
    'GET /api/v1/logs/follow': () => 'follow',
    'POST /api/v1/logs/lines': (_req, _url, body) => {
      for (const l of (JSON.parse(body.toString()) as { lines: ApiLogLine[] }).lines) append(l);
      return { status: 204 };
    },
    'GET /api/v1/checkpoints': (_req, url) => ({
      status: 200,
      json: { checkpoints: checkpoints.filter((c) => c.owner === url.searchParams.get('owner')) },
    }),
    'POST /api/v1/checkpoints': (_req, _url, body) => {
      const c = JSON.parse(body.toString()) as ApiCheckpoint;
      if (checkpoints.some((x) => x.name === c.name && x.owner === c.owner)) {
        return {
          status: 409,
          json: { error: 'WALT_ERR_LOG_CHECKPOINT_EXISTS', message: `checkpoint ${c.name} exists` },
        };
      }
      checkpoints.push({ ...c, ts: c.ts ?? new Date().toISOString() });
      return { status: 201, json: {} };
    },
  };

  const dynamic = (method: string, url: URL, body: Buffer): ReturnType<Route> | undefined => {
    const cp = /^\/api\/v1\/checkpoints\/([^/]+)$/.exec(url.pathname);
    if (cp && method === 'DELETE') {
      const name = decodeURIComponent(cp[1]!);
      const at = checkpoints.findIndex((c) => c.name === name && c.owner === url.searchParams.get('owner'));
      if (at < 0)
        return {
          status: 404,
          json: { error: 'WALT_ERR_LOG_CHECKPOINT_NOT_FOUND', message: `no checkpoint ${name}` },
        };
      checkpoints.splice(at, 1);
      return { status: 204 };
    }
    const node = /^\/api\/v1\/nodes\/([^/]+)\/(exec|files)$/.exec(url.pathname);
    if (!node) return undefined;
    const name = node[1]!;
    if (node[2] === 'exec') {
      const request = JSON.parse(body.toString()) as ExecRequest;
      execs.push({ node: name, request });
      const result = {
        exitCode: 0,
        output: '',
        truncatedBytes: 0,
        timedOut: false,
        durationMs: 1,
        ...exec(name, request),
      };
      return { status: 200, json: result };
    }
    const p = url.searchParams.get('path') ?? '';
    if (method === 'PUT') {
      files.set(`${name}:${p}`, body);
      return { status: 200, json: { bytes: body.length } };
    }
    const tar = [...files.entries()].find(([k]) => k.startsWith(`${name}:`))?.[1];
    return tar
      ? { status: 200, raw: tar }
      : { status: 404, json: { error: 'WALT_ERR_NODE_FILE_NOT_FOUND', message: p } };
  };

  const follow = (req: IncomingMessage, res: ServerResponse, url: URL): void => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    for (const l of lines.filter((x) => matches(url, x))) res.write(`${JSON.stringify(l)}\n`);
    res.write('{"heartbeat":true}\n');
    const follower = { url, res };
    followers.add(follower);
    req.on('close', () => followers.delete(follower));
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://agent');
      const body = await readBody(req);
      const method = req.method ?? 'GET';
      const open =
        (method === 'GET' && url.pathname.startsWith('/api/v1/logs')) ||
        (method === 'GET' && url.pathname === '/api/v1/checkpoints');
      if (!open && !authorized(req)) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'WALT_ERR_AGENT_UNAUTHORIZED', message: 'bearer token required' }));
        return;
      }
      const route = routes[`${method} ${url.pathname}`];
      const answer = route ? route(req, url, body) : dynamic(method, url, body);
      if (answer === 'follow') follow(req, res, url);
      else reply(res, answer);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    lines,
    checkpoints,
    execs,
    files,
    append,
    followers: () => followers.size,
    close: () =>
      new Promise((resolve) => {
        for (const f of followers) f.res.end();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Makes `agent` the boot agent of a new WaltSegment `segment`, as a real agent publishes itself: its
 * token in Secret `agent-token` of `namespace`, its URL and that Secret in the segment's status.agent.
 * Delete the segment (and the namespace) when done.
 */
export async function publishFakeAgent(
  agent: FakeAgent,
  where: { segment: string; namespace: string; bridge: string; subnet: string },
): Promise<void> {
  const kc = kubeConfig();
  // The CLI finds the token by convention (Secret walt-agent-<segment> of walt-system), never from
  // status, and sends it to this loopback agent only when told so (the CLI runs as a child process).
  process.env.WALT_AGENT_URL_ALLOW_LOOPBACK = '1';
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: AGENT_NAMESPACE } } }).catch((error: unknown) => {
    if ((error as { code?: number }).code !== 409) throw error;
  });
  await core.createNamespacedSecret({
    namespace: AGENT_NAMESPACE,
    body: { metadata: { name: agentTokenSecretName(where.segment) }, stringData: { token: agent.token } },
  });
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const { group, version, plural } = RESOURCES.segment;
  const serverAddress = where.subnet.replace(/\.0\/\d+$/, '.1');
  await api.createClusterCustomObject({
    group,
    version,
    plural,
    body: {
      apiVersion: `${group}/${version}`,
      kind: 'WaltSegment',
      metadata: { name: where.segment },
      spec: { interface: where.bridge, subnet: where.subnet, serverAddress },
    },
  });
  const status = {
    // A tokenSecret pointing elsewhere: the CLI must not follow it.
    agent: { apiUrl: agent.url, tokenSecret: { namespace: where.namespace, name: 'not-the-token' } },
  };
  await api.patchClusterCustomObjectStatus(
    { group, version, plural, name: where.segment, body: { status } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
}
