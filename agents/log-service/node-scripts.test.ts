// The real node helpers (node/walt/walt-log-echo, walt-log-cat, walt-log-tee) run with sh on this
// host against the log service: once with curl on PATH, once with a PATH of sh, bash and a few core
// tools only (no curl, wget or busybox: bash's /dev/tcp).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  queryLines,
  startHarness,
  waitForLines,
  type Harness,
} from '../../test/support/log-service-harness.js';

const WALT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../node/walt');
const TOOLS = ['sh', 'bash', 'cat', 'date', 'sleep', 'mv', 'rm', 'mktemp', 'mkdir', 'wc'];

let h: Harness;
let minimalPath: string;

function which(tool: string): string {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const candidate = path.join(dir, tool);
    if (dir && existsSync(candidate)) return candidate;
  }
  throw new Error(`${tool} is not installed`);
}

beforeAll(async () => {
  h = await startHarness();
  minimalPath = path.join(h.dir, 'bin');
  await fs.mkdir(minimalPath);
  for (const tool of TOOLS) await fs.symlink(which(tool), path.join(minimalPath, tool));
});

afterAll(async () => {
  await h.close();
});

interface Run {
  child: ChildProcessWithoutNullStreams;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

function start(pathEnv: string, script: string, args: string[]): Run {
  const child = spawn('sh', [path.join(WALT_DIR, script), ...args], {
    env: {
      PATH: pathEnv,
      WALT_SERVER: `127.0.0.1:${h.port}`,
      WALT_NODE: 'vn1',
      WALT_DIR,
      TMPDIR: h.dir,
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done };
}

async function run(pathEnv: string, script: string, args: string[], stdin = ''): Promise<string> {
  const r = start(pathEnv, script, args);
  r.child.stdin.end(stdin);
  const { code, stdout, stderr } = await r.done;
  if (code !== 0) throw new Error(`${script} ${args.join(' ')} exited ${code}: ${stderr}`);
  return stdout;
}

describe.each([
  ['curl', (): string => process.env.PATH ?? ''],
  ['devtcp', (): string => minimalPath],
])('node log helpers (%s)', (variant, pathOf) => {
  const stream = (name: string): string => `${name}-${variant}`;
  const lines = (name: string): Promise<{ ts: string; issuer: string; line: string }[]> =>
    queryLines(h.base, `stream=^${stream(name)}$`);

  it('has (or lacks) an HTTP client on PATH', () => {
    const hasCurl = pathOf()
      .split(':')
      .some((d) => ['curl', 'wget', 'busybox'].some((t) => existsSync(path.join(d, t))));
    expect(hasCurl).toBe(variant === 'curl');
  });

  it('walt-log-echo sends one line, stamped by the agent or with --timestamp', async () => {
    const before = Date.now();
    await run(pathOf(), 'walt-log-echo', [stream('echo'), 'hello', 'world']);
    await run(pathOf(), 'walt-log-echo', ['--timestamp', '1700000100.25', stream('echo'), 'stamped line']);
    const after = Date.now();
    const got = await lines('echo');
    expect(got.map((l) => [l.issuer, l.line])).toEqual([
      ['vn1', 'stamped line'],
      ['vn1', 'hello world'],
    ]);
    expect(got[0]?.ts).toBe('2023-11-14T22:15:00.250Z');
    const ts = Date.parse(got[1]!.ts);
    expect(ts).toBeGreaterThanOrEqual(before);
    expect(ts).toBeLessThanOrEqual(after);
  });

  it('walt-log-cat streams while the producer runs, and loses no line', async () => {
    const r = start(pathOf(), 'walt-log-cat', [stream('cat')]);
    r.child.stdin.write('first line\n');
    // The line arrives while walt-log-cat still reads its input.
    const first = await waitForLines(h.base, `stream=^${stream('cat')}$`, 1);
    expect(first.map((l) => l.line)).toEqual(['first line']);
    expect(r.child.exitCode).toBeNull();
    const many = Array.from({ length: 300 }, (_, i) => `line ${i}  with  spaces \\ and "quotes"`);
    for (const text of many) r.child.stdin.write(`${text}\n`);
    r.child.stdin.end('last line without newline');
    const { code, stderr } = await r.done;
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const got = await lines('cat');
    expect(got.map((l) => l.line)).toEqual(['first line', ...many, 'last line without newline']);
    expect(new Set(got.map((l) => l.issuer))).toEqual(new Set(['vn1']));
  });

  it('walt-log-cat --ts-provided and --ts-local set the timestamps', async () => {
    await run(
      pathOf(),
      'walt-log-cat',
      ['--ts-provided', stream('provided')],
      '1700000200.5 a\n1700000201 b\nno ts\n',
    );
    expect((await lines('provided')).map((l) => [l.ts, l.line])).toEqual([
      ['2023-11-14T22:16:40.500Z', 'a'],
      ['2023-11-14T22:16:41.000Z', 'b'],
    ]);
    const before = Date.now();
    await run(pathOf(), 'walt-log-cat', ['--ts-local', stream('local')], 'x\ny\n');
    const local = await lines('local');
    expect(local.map((l) => l.line)).toEqual(['x', 'y']);
    for (const l of local) {
      expect(Date.parse(l.ts)).toBeGreaterThanOrEqual(before - 1000);
      expect(Date.parse(l.ts)).toBeLessThanOrEqual(Date.now());
    }
  });

  it('walt-log-tee copies its input to stdout as well', async () => {
    const input = 'one\ntwo\nthree\n';
    expect(await run(pathOf(), 'walt-log-tee', [stream('tee')], input)).toBe(input);
    expect((await lines('tee')).map((l) => l.line)).toEqual(['one', 'two', 'three']);
  });

  it('refuses a bad stream name before sending anything', async () => {
    const r = start(pathOf(), 'walt-log-echo', ['bad stream', 'x']);
    r.child.stdin.end();
    const { code, stderr } = await r.done;
    expect(code).not.toBe(0);
    expect(stderr).toContain('invalid stream name');
  });
});
