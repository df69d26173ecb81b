// The command channel end to end on this host: the agent's HTTP service on port 0 with the channel's
// routes, and the REAL node/walt/walt-command-loop run by dash, with each of its HTTP clients (curl,
// GNU wget, busybox wget, and bash's /dev/tcp on a PATH with none of the others).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import type { CancelAnswer, ExecResult } from '../../api/agent/v1.js';
import { silentLogger } from '../../common/logger.js';
import { createHttpMetrics } from '../http/metrics.js';
import { createHttpServer } from '../http/server.js';
import { imageFixture, nodeFixture, segmentFixture, viewOf } from '../../test/support/fixtures/http-boot.js';
import type { LogLine } from './channel.js';
import { createChannelService, type ChannelService } from './channel-service.js';

const run = promisify(execFile);
const NODE_DIR = path.resolve(import.meta.dirname, '../../node/walt');
const TOKEN = 'test-token-0123456789';
const NODE = 'vn1';
const NODE_MAC = '52:54:00:00:00:01';
const OTHER = 'vn2';
const IDLE = 'idle';
const LOOP_BOOT = 'boot-of-the-loop';

/** A PATH of symlinks to the tools a minbase image has: no curl, wget or busybox. */
async function minbasePath(dir: string): Promise<string> {
  const tools = [
    'sh',
    'bash',
    'cat',
    'mkdir',
    'rm',
    'sleep',
    'wc',
    'tail',
    'head',
    'sed',
    'setsid',
    'tar',
    'grep',
  ];
  await fs.mkdir(dir, { recursive: true });
  for (const tool of tools) {
    const found = ['/usr/bin', '/bin'].map((d) => path.join(d, tool)).find((p) => existsSync(p));
    if (!found) throw new Error(`${tool} not found on this host`);
    await fs.symlink(found, path.join(dir, tool));
  }
  return dir;
}

interface Tool {
  name: string;
  /** WALT_HTTP_TOOL, or undefined to let the helper pick from PATH. */
  force?: string;
  minbase?: boolean;
}

const TOOLS: Tool[] = [
  { name: 'curl', force: 'curl' },
  { name: 'GNU wget', force: 'wget' },
  { name: 'busybox wget', force: 'busybox' },
  { name: 'bash /dev/tcp (minbase PATH, picked automatically)', minbase: true },
];

describe.each(TOOLS)('command channel with $name', (tool) => {
  let dir: string;
  let app: FastifyInstance;
  let service: ChannelService;
  let base: string;
  let loop: ChildProcess;
  let loopLog = '';
  const logs: LogLine[] = [];
  const events: Array<[string, boolean]> = [];

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'walt-commands-'));
    service = createChannelService({
      workDir: path.join(dir, 'agent'),
      appendLogs: (lines) => {
        logs.push(...lines);
        return Promise.resolve();
      },
      logger: silentLogger(),
      metrics: new Registry(),
    });
    service.onConnectionChange((node, connected) => events.push([node, connected]));
    await service.start();
    app = createHttpServer({
      segment: 'lab',
      serverAddress: '192.168.152.1',
      view: viewOf({
        segments: [segmentFixture('lab')],
        nodes: [
          nodeFixture(NODE, NODE_MAC, 'lab'),
          nodeFixture(OTHER, '52:54:00:00:00:02', 'lab'),
          nodeFixture(IDLE, '52:54:00:00:00:03', 'lab'),
        ],
        images: [imageFixture('lab/debian', 'lab', [])],
        rootfs: {},
      }),
      // The loop runs on this host: its requests come from 127.0.0.1, the lease of vn1.
      macOfIp: (ip) => (ip === '127.0.0.1' ? NODE_MAC : undefined),
      exportPathOf: () => '/exports/none',
      // As the agent wires it (main.ts): a bootup ends what belongs to another boot of the node.
      onBootup: (event) => {
        service.rebooted(event.node.metadata.name, event.bootId);
        return Promise.resolve();
      },
      logger: silentLogger(),
      metrics: createHttpMetrics(new Registry()),
      apiToken: () => TOKEN,
      plugins: [service.plugin],
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}`;
    const home = path.join(dir, 'home');
    await fs.mkdir(home);
    const env: NodeJS.ProcessEnv = {
      PATH: tool.minbase ? await minbasePath(path.join(dir, 'bin')) : (process.env.PATH ?? ''),
      HOME: home,
      WALT_SERVER: `127.0.0.1:${port}`,
      WALT_NODE: NODE,
      WALT_DIR: NODE_DIR,
      WALT_RUN_DIR: path.join(dir, 'run'),
      WALT_BOOT_ID: LOOP_BOOT,
      ...(tool.force ? { WALT_HTTP_TOOL: tool.force } : {}),
    };
    loop = spawn('/bin/sh', [path.join(NODE_DIR, 'walt-command-loop')], {
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    loop.stdout?.on('data', (d: Buffer) => (loopLog += d.toString()));
    loop.stderr?.on('data', (d: Buffer) => (loopLog += d.toString()));
    await waitFor(
      () => service.connected(NODE),
      15_000,
      () => loopLog,
    );
  });

  afterAll(async () => {
    if (loop.pid !== undefined) process.kill(-loop.pid, 'SIGKILL');
    await service.stop();
    await app.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  function exec(node: string, body: unknown, token: string | undefined = TOKEN): Promise<Response> {
    return fetch(`${base}/api/v1/nodes/${node}/exec`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
  }

  it('reports the node connected while the loop polls', () => {
    expect(service.connected(NODE)).toBe(true);
    expect(events).toContainEqual([NODE, true]);
  });

  it('runs a command: exit status and both outputs', async () => {
    // When a controller runs sh -c "echo hi; echo err >&2; exit 3" on the node
    const res = await exec(NODE, {
      command: ['sh', '-c', 'echo hi; echo err >&2; exit 3'],
      logStream: 'run',
    });
    // Then it gets the status and the interleaved output
    expect(res.status).toBe(200);
    const result = (await res.json()) as ExecResult;
    expect(result).toMatchObject({ exitCode: 3, output: 'hi\nerr\n', truncatedBytes: 0, timedOut: false });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    // And the lines went to the log store under the node's name
    expect(logs.map((l) => [l.issuer, l.stream, l.line])).toEqual([
      [NODE, 'run', 'hi'],
      [NODE, 'run', 'err'],
    ]);
  });

  it('passes arguments through untouched, in $HOME', async () => {
    const nasty = ["it's", '$HOME', '`x`', 'a b', '*'];
    const res = await exec(NODE, { command: ['sh', '-c', 'pwd; printf "<%s>" "$@"', 'sh', ...nasty] });
    const result = (await res.json()) as ExecResult;
    expect(result.exitCode).toBe(0);
    expect(result.output).toBe(`${path.join(dir, 'home')}\n${nasty.map((a) => `<${a}>`).join('')}`);
  });

  it('runs a shell builtin as given (no program to exec): its own exit status', async () => {
    const res = await exec(NODE, { command: ['exit', '4'] });
    expect(((await res.json()) as ExecResult).exitCode).toBe(4);
  });

  it('kills a command at its timeout and returns what it wrote', async () => {
    const started = Date.now();
    const res = await exec(NODE, {
      command: ['sh', '-c', 'echo started; sleep 30; echo never'],
      timeoutSeconds: 1,
    });
    const result = (await res.json()) as ExecResult;
    expect(result).toMatchObject({ exitCode: null, timedOut: true, output: 'started\n' });
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('runs commands side by side (a long one does not block the next)', async () => {
    const slow = exec(NODE, { command: ['sh', '-c', 'sleep 2; echo slow'] });
    const fast = (await (await exec(NODE, { command: ['echo', 'fast'] })).json()) as ExecResult;
    expect(fast.output).toBe('fast\n');
    expect(((await (await slow).json()) as ExecResult).output).toBe('slow\n');
  });

  it('copies a tree with a binary file and a name with spaces to the node and back', async () => {
    // Given a local tree
    const local = path.join(dir, 'local');
    const binary = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7919) % 256));
    await fs.mkdir(path.join(local, 'tree', 'sub dir'), { recursive: true });
    await fs.writeFile(path.join(local, 'tree', 'a file.txt'), 'hello\n');
    await fs.writeFile(path.join(local, 'tree', 'sub dir', 'blob.bin'), binary);
    const tar = (await run('tar', ['-c', '-f', '-', '-C', local, 'tree'], { encoding: 'buffer' })).stdout;
    // When it is put into a new directory of the node
    const target = path.join(dir, 'node fs', "it's new");
    const put = await fetch(`${base}/api/v1/nodes/${NODE}/files?path=${encodeURIComponent(target)}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-tar' },
      body: tar,
    });
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual({ bytes: tar.length });
    expect(await fs.readFile(path.join(target, 'tree', 'sub dir', 'blob.bin'))).toEqual(binary);
    // And fetched back
    const get = await fetch(
      `${base}/api/v1/nodes/${NODE}/files?path=${encodeURIComponent(path.join(target, 'tree'))}`,
      { headers: { authorization: `Bearer ${TOKEN}` } },
    );
    expect(get.status).toBe(200);
    expect(get.headers.get('content-type')).toBe('application/x-tar');
    const back = path.join(dir, 'back');
    await fs.mkdir(back);
    await fs.writeFile(path.join(back, 'archive.tar'), Buffer.from(await get.arrayBuffer()));
    await run('tar', ['-x', '-f', path.join(back, 'archive.tar'), '-C', back]);
    // Then the tree is the same, the last path component its top entry
    expect(await fs.readFile(path.join(back, 'tree', 'a file.txt'), 'utf8')).toBe('hello\n');
    expect(await fs.readFile(path.join(back, 'tree', 'sub dir', 'blob.bin'))).toEqual(binary);
    // And nothing is left in the agent's or the node's scratch directories
    expect(await fs.readdir(path.join(dir, 'agent', 'transfers'))).toEqual([]);
  });

  it('says why getting a missing path failed', async () => {
    const res = await fetch(
      `${base}/api/v1/nodes/${NODE}/files?path=${encodeURIComponent(path.join(dir, 'nope'))}`,
      {
        headers: { authorization: `Bearer ${TOKEN}` },
      },
    );
    expect(res.status).toBe(422);
    const body = (await res.json()) as { error: string; message: string };
    expect(body.error).toBe('WALT_ERR_NODE_FILES_FAILED');
    expect(body.message).toMatch(/nope/);
  });

  it('attaches by id: a second exec and GET .../exec/<id> share one run of the command', async () => {
    // Given a command sent with the caller's id, that counts its runs
    const id = `attach-${tool.name.replace(/[^a-z]/gi, '')}`;
    const counter = path.join(dir, `${id}.runs`);
    const body = {
      id,
      command: ['sh', '-c', `echo run >>'${counter}'; sleep 1; echo once`],
      logStream: id,
    };
    const first = exec(NODE, body);
    await waitFor(
      () => existsSync(counter),
      15_000,
      () => loopLog,
    );
    // When the same exec is sent again, and a client attaches by the id
    const again = exec(NODE, body);
    const attached = fetch(`${base}/api/v1/nodes/${NODE}/exec/${id}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    // Then all three get the one result, the command ran once and its output was stored once
    const answers = await Promise.all([first, again, attached]);
    for (const res of answers) {
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ exitCode: 0, output: 'once\n' });
    }
    expect(await fs.readFile(counter, 'utf8')).toBe('run\n');
    expect(logs.filter((l) => l.stream === id).map((l) => l.line)).toEqual(['once']);
    // And the result stays attachable after the end
    const later = await fetch(`${base}/api/v1/nodes/${NODE}/exec/${id}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(await later.json()).toMatchObject({ exitCode: 0, output: 'once\n' });
  });

  /** DELETE .../exec/<id>, as a controller sends it. */
  const cancel = (id: string): Promise<Response> =>
    fetch(`${base}/api/v1/nodes/${NODE}/exec/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
  /** The pid a command wrote into `file` (a whole line), once it did. */
  const pidIn = async (file: string): Promise<number> => {
    await waitFor(
      () => existsSync(file) && readFileSync(file, 'utf8').endsWith('\n'),
      15_000,
      () => loopLog,
    );
    return Number(readFileSync(file, 'utf8'));
  };

  it('DELETE .../exec/<id> ends the command on the node with TERM to its group, and answers how it ended', async () => {
    // Given a long command running on the node: a shell that traps TERM, and a child in its group
    const id = `cancel-${tool.name.replace(/[^a-z]/gi, '')}`;
    const [pidFile, childFile, trapFile] = ['pid', 'child', 'trap'].map((f) =>
      path.join(dir, `${id}.${f}`),
    ) as [string, string, string];
    const script =
      `trap 'echo TERM >"${trapFile}"; echo trapped; exit 7' TERM; ` +
      `echo started; sleep 300 & echo $! >"${childFile}"; echo $$ >"${pidFile}"; wait`;
    const answer = exec(NODE, { id, command: ['sh', '-c', script], logStream: id });
    const [pid, child] = [await pidIn(pidFile), await pidIn(childFile)];
    expect([running(pid), running(child)]).toEqual([true, true]);
    // When a caller cancels it
    const cancelled = await cancel(id);
    // Then the agent answers once the node reported the ending: TERM (the trap ran, exit 7), no KILL
    expect(cancelled.status).toBe(200);
    const body = (await cancelled.json()) as CancelAnswer;
    expect(body).toMatchObject({ id, was: 'running', ended: { exitCode: 7, killed: false } });
    expect(readFileSync(trapFile, 'utf8')).toBe('TERM\n');
    // And the exec answers 409 cancelled
    const res = await answer;
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: string }).error).toBe('WALT_ERR_COMMAND_CANCELLED');
    // And the whole group is gone on the node, the child too
    await waitFor(
      () => !running(pid) && !running(child),
      15_000,
      () => loopLog,
    );
    // And what it wrote until then is in the log store
    expect(logs.filter((l) => l.stream === id).map((l) => l.line)).toEqual(['started', 'trapped']);
  });

  it('DELETE .../exec/<id> of a command that ignores TERM: KILL after the grace, answered as killed', async () => {
    // Given a command whose whole group ignores TERM
    const id = `stubborn-${tool.name.replace(/[^a-z]/gi, '')}`;
    const pidFile = path.join(dir, `${id}.pid`);
    const answer = exec(NODE, {
      id,
      command: ['sh', '-c', `trap '' TERM; echo $$ >"${pidFile}"; while :; do sleep 1; done`],
    });
    const pid = await pidIn(pidFile);
    // When a caller cancels it
    const body = (await (await cancel(id)).json()) as CancelAnswer;
    // Then the node sent KILL once TERM did not end it: exit 128 + 9
    expect(body).toMatchObject({ id, was: 'running', ended: { exitCode: 137, killed: true } });
    expect(running(pid)).toBe(false);
    expect((await answer).status).toBe(409);
    // And a cancel after that finds it finished
    expect(await (await cancel(id)).json()).toEqual({ id, was: 'finished' });
  });

  it('answers 404 WALT_ERR_COMMAND_LOST for an id it has no record of', async () => {
    for (const method of ['GET', 'DELETE']) {
      const res = await fetch(`${base}/api/v1/nodes/${NODE}/exec/never-sent`, {
        method,
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: string }).error).toBe('WALT_ERR_COMMAND_LOST');
    }
  });

  it('names its boot in its polls: a bootup of its own boot keeps its command, one of another boot ends it', async () => {
    const started = path.join(dir, 'started');
    const bootup = (bootId: string): Promise<Response> =>
      fetch(`${base}/api/v1/nodes/${NODE}/bootup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ bootId }),
      });
    // The exec's answer, once the command is running on the node (wrapped: an async function
    // returning a promise would wait for it).
    const running = async (): Promise<{ answer: Promise<Response> }> => {
      await fs.rm(started, { force: true });
      const answer = exec(NODE, { command: ['sh', '-c', `: >'${started}'; sleep 2; echo kept`] });
      await waitFor(
        () => existsSync(started),
        15_000,
        () => loopLog,
      );
      return { answer };
    };
    // Given a command running on the node, when the node's own boot notifies again (a retried notice)
    const kept = await running();
    expect((await bootup(LOOP_BOOT)).status).toBe(200);
    // Then the command still ends normally
    expect(await ((await kept.answer).json() as Promise<ExecResult>)).toMatchObject({
      exitCode: 0,
      output: 'kept\n',
    });
    // When another boot of the node notifies, the command of this one is lost (409, channel lost)
    const lost = await running();
    expect((await bootup('another-boot')).status).toBe(200);
    const res = await lost.answer;
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: string }).error).toBe('WALT_ERR_NODE_NOT_CONNECTED');
  });
});

describe('command channel access', () => {
  let dir: string;
  let app: FastifyInstance;
  let service: ChannelService;
  let base: string;
  const leases = new Map<string, string>();

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'walt-commands-'));
    service = createChannelService({
      workDir: dir,
      appendLogs: () => Promise.resolve(),
      logger: silentLogger(),
      metrics: new Registry(),
    });
    await service.start();
    app = createHttpServer({
      segment: 'lab',
      serverAddress: '192.168.152.1',
      view: viewOf({
        segments: [segmentFixture('lab')],
        nodes: [nodeFixture(NODE, NODE_MAC, 'lab'), nodeFixture(IDLE, '52:54:00:00:00:03', 'lab')],
        images: [],
        rootfs: {},
      }),
      // No lease for anyone (no request comes from a node), unless a test lends one.
      macOfIp: (ip) => leases.get(ip),
      exportPathOf: () => '/exports/none',
      onBootup: () => Promise.resolve(),
      logger: silentLogger(),
      metrics: createHttpMetrics(new Registry()),
      apiToken: () => TOKEN,
      plugins: [service.plugin],
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await service.stop();
    await app.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  async function errorOf(res: Response): Promise<string> {
    const body = (await res.json()) as { error: string; message: string };
    expect(body.message.length).toBeGreaterThan(20);
    return body.error;
  }

  it('refuses node routes to an address that is not the node lease (403)', async () => {
    const next = await fetch(`${base}/api/v1/nodes/${NODE}/commands/next?wait=0`);
    expect(next.status).toBe(403);
    expect(await errorOf(next)).toBe('WALT_ERR_HTTP_NOT_FROM_NODE');
    const result = await fetch(`${base}/api/v1/nodes/${NODE}/commands/abc/result?exit=0`, {
      method: 'POST',
      body: 'x',
    });
    expect(result.status).toBe(403);
    const transfer = await fetch(`${base}/api/v1/nodes/${NODE}/transfers/abc`);
    expect(transfer.status).toBe(403);
  });

  it('asks controllers for the token (401)', async () => {
    const res = await fetch(`${base}/api/v1/nodes/${NODE}/exec`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ command: ['true'] }),
    });
    expect(res.status).toBe(401);
    expect(await errorOf(res)).toBe('WALT_ERR_HTTP_UNAUTHORIZED');
    const wrong = await fetch(`${base}/api/v1/nodes/${NODE}/files?path=/etc`, {
      headers: { authorization: 'Bearer wrong' },
    });
    expect(wrong.status).toBe(401);
  });

  it('says a node without command channel is not connected (409)', async () => {
    const res = await fetch(`${base}/api/v1/nodes/${IDLE}/exec`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ command: ['true'] }),
    });
    expect(res.status).toBe(409);
    expect(await errorOf(res)).toBe('WALT_ERR_NODE_NOT_CONNECTED');
    const put = await fetch(`${base}/api/v1/nodes/${IDLE}/files?path=/tmp`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-tar' },
      body: Buffer.alloc(1024),
    });
    expect(put.status).toBe(409);
  });

  it('waits connectTimeoutSeconds for a node, then says it is not connected', async () => {
    const started = Date.now();
    const res = await fetch(`${base}/api/v1/nodes/${IDLE}/exec`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ command: ['true'], connectTimeoutSeconds: 1 }),
    });
    expect(res.status).toBe(409);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('explains invalid requests (400)', async () => {
    const cases: Array<[string, RequestInit]> = [
      [`/api/v1/nodes/${NODE}/exec`, { method: 'POST', body: JSON.stringify({ command: [] }) }],
      [
        `/api/v1/nodes/${NODE}/exec`,
        { method: 'POST', body: JSON.stringify({ command: ['x'], timeoutSeconds: 0 }) },
      ],
      [`/api/v1/nodes/${NODE}/files?path=relative`, { method: 'GET' }],
      [`/api/v1/nodes/${NODE}/files?path=/`, { method: 'GET' }],
      [`/api/v1/nodes/${NODE}/commands/next?wait=0&boot=not%20a%20boot%20id`, { method: 'GET' }],
      [`/api/v1/nodes/${NODE}/bootup`, { method: 'POST', body: JSON.stringify({ bootId: '../etc' }) }],
    ];
    // The node routes among them are called from the node's lease address (else: 403 first).
    leases.set('127.0.0.1', NODE_MAC);
    try {
      for (const [url, init] of cases) {
        const res = await fetch(`${base}${url}`, {
          ...init,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        });
        expect([url, res.status]).toEqual([url, 400]);
      }
    } finally {
      leases.delete('127.0.0.1');
    }
  });

  it('says an unknown node is unknown (404)', async () => {
    const res = await fetch(`${base}/api/v1/nodes/nobody/exec`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ command: ['true'] }),
    });
    expect(res.status).toBe(404);
    expect(await errorOf(res)).toBe('WALT_ERR_HTTP_UNKNOWN_NODE');
  });
});

async function waitFor(check: () => boolean, ms: number, describe: () => string): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out; loop said:\n${describe()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Whether process `pid` runs (exists and is not a zombie no one reaped yet). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}
