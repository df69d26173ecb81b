// The built `walt` for the CLI suites: dist/cli/main.js, compiled once per run (`npm run build`'s
// tsc -p tsconfig.build.json) when it is missing or older than a source file, under a lock so that
// suites running in parallel workers build it once. Starting the built file takes ~0.2 s where tsx
// took ~2 s. A type error elsewhere in the project does not stop the CLI suites: tsc still emits, and
// the type check is `npm run typecheck`'s job.
import { spawn, execFile } from 'node:child_process';
import { mkdir, readdir, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { CommandResult } from './support/cluster.js';

export const root = path.resolve(import.meta.dirname, '..', '..');
export const builtCli = path.join(root, 'dist', 'cli', 'main.js');
const SOURCE_DIRS = [
  'api',
  'common',
  'runtime',
  'oci',
  'log-store',
  'cli',
  'client',
  'agents',
  'operator',
  'node',
  'local',
  'crds',
];
const lockDir = path.join(root, 'dist', '.walt-cli-build.lock');
const STALE_LOCK_MS = 5 * 60_000;
// Once a suite of this run has checked or built dist/, later suites use it as it is: a source edited
// during the run must not rebuild dist/ under the feet of a suite running the CLI.
const runId = process.env.WALT_TEST_INSTANCE ?? `pid-${process.ppid}`;
const runMarker = path.join(root, 'dist', `.walt-cli-run-${runId}`);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const mtime = (p: string): Promise<number> =>
  stat(p).then(
    (s) => s.mtimeMs,
    () => 0,
  );

async function newestSource(dir: string): Promise<number> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  let newest = 0;
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, await newestSource(full));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
      newest = Math.max(newest, await mtime(full));
  }
  return newest;
}

async function isFresh(): Promise<boolean> {
  const built = await mtime(builtCli);
  if (built === 0) return false;
  const sources = await Promise.all(SOURCE_DIRS.map((d) => newestSource(path.join(root, d))));
  return built >= Math.max(...sources);
}

async function lock(): Promise<void> {
  await mkdir(path.dirname(lockDir), { recursive: true });
  for (;;) {
    try {
      await mkdir(lockDir);
      return;
    } catch {
      if (Date.now() - (await mtime(lockDir)) > STALE_LOCK_MS) await rmdir(lockDir).catch(() => undefined);
      await sleep(250);
    }
  }
}

async function build(): Promise<void> {
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const started = Date.now();
  try {
    await promisify(execFile)(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
      cwd: root,
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    if ((await mtime(builtCli)) < started) throw error;
    process.stderr.write('[cli] tsc reported type errors; using the emitted dist/ anyway\n');
  }
}

let built: Promise<void> | undefined;

/** Builds dist/cli/main.js if needed (once per worker; the lock makes it once per run). */
export function ensureCliBuilt(): Promise<void> {
  built ??= (async () => {
    if ((await mtime(runMarker)) > 0) return;
    await lock();
    try {
      if ((await mtime(runMarker)) > 0) return;
      if (!(await isFresh())) await build();
      const markers = (await readdir(path.dirname(runMarker))).filter((f) => f.startsWith('.walt-cli-run-'));
      await Promise.all(markers.map((f) => rm(path.join(root, 'dist', f), { force: true })));
      await writeFile(runMarker, '');
    } finally {
      await rmdir(lockDir).catch(() => undefined);
    }
  })();
  return built;
}

export interface WaltRun {
  env?: Record<string, string>;
  cwd?: string;
}

/** Runs the built `walt <args>`; never throws on a non-zero exit (tests assert on it). */
export function walt(args: string[], options: WaltRun = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [builtCli, ...args], {
      cwd: options.cwd ?? root,
      env: { ...process.env, ...options.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end();
  });
}
