// A throwaway PostgreSQL server for the log store's tests and benchmark: initdb into a temporary
// directory, start it on a free port with its unix socket in that directory, and delete everything on
// stop. initdb refuses to run as root, so under root the server runs as the `postgres` system user (or
// `nobody`). A run that crashed leaves a directory whose runner pid is dead: the next start removes it.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const exec = promisify(execFile);
const PREFIX = 'walt-test-pg-';
const SUPERUSER = 'walt';

export interface TestPostgres {
  /** Connection URL of the `postgres` database, over the unix socket. */
  url: string;
  port: number;
  /** Creates an empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server and deletes its directory. */
  stop(): Promise<void>;
}

export interface TestPostgresOptions {
  /** Keep fsync and synchronous commits (benchmarks); tests turn them off for speed. */
  durable?: boolean;
}

/** The PostgreSQL server binaries: $WALT_PG_BIN, or the newest /usr/lib/postgresql/<version>/bin. */
export function findPostgresBin(): string | undefined {
  const candidates = process.env.WALT_PG_BIN !== undefined ? [process.env.WALT_PG_BIN] : debianBins();
  return candidates.find(
    (dir) => existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'pg_ctl')),
  );
}

function debianBins(): string[] {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return [];
  const versions = readdirSync(root).filter((v) => /^\d+$/.test(v));
  return versions.sort((a, b) => Number(b) - Number(a)).map((v) => path.join(root, v, 'bin'));
}

interface RunAs {
  user?: string;
  uid?: number;
  gid?: number;
}

async function serverUser(): Promise<RunAs> {
  if (process.getuid?.() !== 0) return {};
  for (const user of ['postgres', 'nobody']) {
    try {
      const uid = Number((await exec('id', ['-u', user])).stdout.trim());
      const gid = Number((await exec('id', ['-g', user])).stdout.trim());
      return { user, uid, gid };
    } catch {
      // no such user: try the next
    }
  }
  throw new Error('running as root and neither the postgres nor the nobody user exists to run PostgreSQL');
}

async function run(runAs: RunAs, command: string, args: string[], cwd: string): Promise<void> {
  const [file, argv] =
    runAs.user === undefined ? [command, args] : ['runuser', ['-u', runAs.user, '--', command, ...args]];
  await exec(file, argv, { cwd, timeout: 120_000 });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Stops and deletes servers left by runs that died before their cleanup. */
async function removeStale(bin: string, runAs: RunAs): Promise<void> {
  for (const entry of await readdir(os.tmpdir())) {
    if (!entry.startsWith(PREFIX)) continue;
    const dir = path.join(os.tmpdir(), entry);
    const pid = Number(await readFile(path.join(dir, 'runner.pid'), 'utf8').catch(() => 'NaN'));
    if (Number.isNaN(pid) || isAlive(pid)) continue;
    await stopServer(bin, runAs, dir);
  }
}

async function stopServer(bin: string, runAs: RunAs, dir: string): Promise<void> {
  const data = path.join(dir, 'data');
  if (existsSync(path.join(data, 'postmaster.pid'))) {
    await run(runAs, path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'], dir).catch(
      () => undefined,
    );
  }
  await rm(dir, { recursive: true, force: true });
}

function serverOptions(port: number, dir: string, durable: boolean): string {
  const fast = durable ? [] : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off'];
  return [`-p ${port}`, `-k ${dir}`, "-c listen_addresses='127.0.0.1'", ...fast].join(' ');
}

/** Starts a private PostgreSQL server. The caller must call stop() (tests: in afterAll). */
export async function startTestPostgres(options: TestPostgresOptions = {}): Promise<TestPostgres> {
  const bin = findPostgresBin();
  if (bin === undefined) throw new Error('PostgreSQL server binaries not found (set WALT_PG_BIN)');
  const runAs = await serverUser();
  await removeStale(bin, runAs);
  const dir = await mkdtemp(path.join(os.tmpdir(), PREFIX));
  await writeFile(path.join(dir, 'runner.pid'), String(process.pid));
  if (runAs.uid !== undefined && runAs.gid !== undefined) await chown(dir, runAs.uid, runAs.gid);
  const data = path.join(dir, 'data');
  try {
    const initdb = ['-D', data, '-U', SUPERUSER, '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync'];
    await run(runAs, path.join(bin, 'initdb'), initdb, dir);
    const port = await freePort();
    const start = ['-D', data, '-l', path.join(dir, 'server.log'), '-w', '-t', '60'];
    await run(
      runAs,
      path.join(bin, 'pg_ctl'),
      [...start, '-o', serverOptions(port, dir, options.durable ?? false), 'start'],
      dir,
    );
    return handle({ bin, runAs, dir, port });
  } catch (error) {
    await stopServer(bin, runAs, dir);
    throw error;
  }
}

function handle(server: { bin: string; runAs: RunAs; dir: string; port: number }): TestPostgres {
  const urlOf = (db: string): string =>
    `postgresql://${SUPERUSER}@localhost:${server.port}/${db}?host=${encodeURIComponent(server.dir)}`;
  return {
    url: urlOf('postgres'),
    port: server.port,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: urlOf('postgres') });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
      } finally {
        await client.end();
      }
      return urlOf(name);
    },
    stop: () => stopServer(server.bin, server.runAs, server.dir),
  };
}
