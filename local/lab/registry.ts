// A real OCI registry for tests: Debian's docker-registry (distribution 2.8) on a free loopback port,
// storing blobs in a temporary directory, optionally behind htpasswd (Basic) or token (Bearer) auth.
// Its log goes to registry.log in that directory. Processes are killed when the test process exits,
// even if a suite forgets stop().
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { startTokenServer, type TokenServer } from './registry-token-server.js';

const run = promisify(execFile);
const REGISTRY_BINARY = process.env.WALT_DOCKER_REGISTRY ?? '/usr/bin/docker-registry';

export type RegistryAuth = 'none' | 'htpasswd' | 'token';

export interface StartRegistryOptions {
  auth?: RegistryAuth;
  /** Token mode only: whether anonymous clients may pull (default true, like a public registry). */
  anonymousPull?: boolean;
  /** A fixed loopback port (the local testbed's 5000) instead of a free one. */
  port?: number;
  /**
   * The address to listen on (default 127.0.0.1). Pods of a kubelet node cannot reach the host's
   * loopback: give them a private address of this machine (test/support/kube-node.ts).
   */
  address?: string;
}

export interface TestRegistry {
  /** "<address>:<port>" (default address 127.0.0.1), as used in image references. */
  host: string;
  /** "http://127.0.0.1:<port>". */
  url: string;
  username?: string;
  password?: string;
  /** Root of the registry's filesystem storage. */
  storageDir: string;
  logFile: string;
  /** Token mode: the token server (to count issued tokens). */
  tokenServer?: TokenServer;
  /** Where the registry keeps a blob's bytes (to corrupt it in tests). */
  blobPath(digest: string): string;
  /** A "kubernetes.io/dockerconfigjson" payload with this registry's credentials. */
  dockerConfigJson(): string;
  /** Stops the registry process but keeps its storage and port (an outage). */
  down(): Promise<void>;
  /** Stops (if running) and starts again on the same port with the same storage. */
  restart(): Promise<void>;
  /** Stops everything and deletes the storage. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function startRegistry(options: StartRegistryOptions = {}): Promise<TestRegistry> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'walt-registry-'));
  try {
    return await startIn(dir, options);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

async function startIn(dir: string, options: StartRegistryOptions): Promise<TestRegistry> {
  const auth = options.auth ?? 'none';
  const port = options.port ?? (await freePort());
  const host = `${options.address ?? '127.0.0.1'}:${port}`;
  const storageDir = path.join(dir, 'storage');
  const logFile = path.join(dir, 'registry.log');
  const credentials =
    auth === 'none' ? undefined : { username: 'walt', password: randomBytes(9).toString('base64url') };
  const tokenServer =
    auth === 'token' && credentials
      ? await startTokenServer({
          dir,
          issuer: 'walt-test-issuer',
          service: 'walt-test-registry',
          ...credentials,
          anonymousPull: options.anonymousPull ?? true,
        })
      : undefined;
  const authConfig = await authSection(dir, auth, credentials, tokenServer);
  const configFile = path.join(dir, 'config.yml');
  await writeFile(configFile, stringify(registryConfig(host, storageDir, authConfig)));

  let child: ChildProcess | undefined = await launch(configFile, logFile, `http://${host}`);
  const down = async (): Promise<void> => {
    if (child) await terminate(child);
    child = undefined;
  };
  return {
    host,
    url: `http://${host}`,
    ...credentials,
    storageDir,
    logFile,
    ...(tokenServer ? { tokenServer } : {}),
    blobPath: (digest) => blobDataPath(storageDir, digest),
    dockerConfigJson: () => dockerConfigJson(host, credentials),
    down,
    restart: async () => {
      await down();
      child = await launch(configFile, logFile, `http://${host}`);
    },
    stop: async () => {
      await down();
      await tokenServer?.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function registryConfig(host: string, storageDir: string, auth: object | undefined): object {
  return {
    version: 0.1,
    log: { level: 'info', accesslog: { disabled: false }, fields: { service: 'registry' } },
    storage: {
      filesystem: { rootdirectory: storageDir },
      delete: { enabled: true },
      maintenance: { uploadpurging: { enabled: false } },
    },
    http: {
      addr: host,
      secret: randomBytes(16).toString('hex'),
      headers: { 'X-Content-Type-Options': ['nosniff'] },
    },
    ...(auth ? { auth } : {}),
  };
}

async function authSection(
  dir: string,
  auth: RegistryAuth,
  credentials: { username: string; password: string } | undefined,
  tokenServer: TokenServer | undefined,
): Promise<object | undefined> {
  if (auth === 'htpasswd' && credentials) {
    const file = path.join(dir, 'htpasswd');
    const { stdout } = await run('htpasswd', ['-Bbn', credentials.username, credentials.password]);
    await writeFile(file, stdout.trim() + '\n');
    return { htpasswd: { realm: 'walt-test-registry', path: file } };
  }
  if (auth === 'token' && tokenServer) {
    return {
      token: {
        realm: tokenServer.realm,
        service: 'walt-test-registry',
        issuer: 'walt-test-issuer',
        rootcertbundle: tokenServer.certFile,
      },
    };
  }
  return undefined;
}

async function launch(configFile: string, logFile: string, url: string): Promise<ChildProcess> {
  const log = openSync(logFile, 'a');
  const child = spawn(REGISTRY_BINARY, ['serve', configFile], {
    stdio: ['ignore', log, log],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  });
  closeSync(log);
  running.add(child);
  child.once('exit', () => running.delete(child));
  try {
    await waitUntilAnswering(child, url);
  } catch (error) {
    await terminate(child);
    const tail = (await readFile(logFile, 'utf8').catch(() => '')).split('\n').slice(-20).join('\n');
    throw new Error(`docker-registry did not start: ${(error as Error).message}\n${tail}`, { cause: error });
  }
  return child;
}

async function waitUntilAnswering(child: ChildProcess, url: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`exited (${child.exitCode ?? child.signalCode})`);
    if (await answers(`${url}/v2/`)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no answer on ${url}/v2/ within ${timeoutMs} ms`);
}

// Any HTTP answer will do: 401 means up and asking for credentials.
async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await response.body?.cancel();
    return true;
  } catch {
    return false;
  }
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** A port that was free a moment ago (the registry binds it right after). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export function blobDataPath(storageDir: string, digest: string): string {
  const [algorithm, hex = ''] = digest.split(':');
  return path.join(
    storageDir,
    'docker/registry/v2/blobs',
    algorithm ?? 'sha256',
    hex.slice(0, 2),
    hex,
    'data',
  );
}

function dockerConfigJson(
  host: string,
  credentials: { username: string; password: string } | undefined,
): string {
  if (!credentials) return JSON.stringify({ auths: {} });
  const auth = Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64');
  return JSON.stringify({ auths: { [host]: { auth } } });
}
