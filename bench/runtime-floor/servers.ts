// The servers of bench/runtime-floor and how each one starts: alone in the "server" cgroup of
// CpuGroups (boot-storm's cpu.ts), in its own process group, registered with the cleanup at once. The
// group counts whatever the server forks (busybox httpd forks a child per connection and ignores
// SIGCHLD, so /proc/<pid>/stat of the parent misses them); it counts nothing of the clients.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CpuGroups } from '../boot-storm/cpu.js';
import { poll, stopGroup, type Cleanup } from '../boot-storm/proc.js';

const HOST = '127.0.0.1';
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SERVE = path.join(REPO, 'bench', 'runtime-floor', 'serve.ts');

export interface StartContext {
  /** The file to serve, at <rootfs>/boot/<model>/<name>. */
  file: string;
  /** This measurement's own directory (logs, the server's files), removed after it. */
  scratch: string;
  cpu: CpuGroups;
  cleanup: Cleanup;
}

export interface Running {
  port: number;
  /** What the clients ask for: the TFTP filename, or the URL path. */
  target: string;
  /** Throws if the server exited, with the end of its output. */
  alive(): void;
  stop(): Promise<void>;
}

export interface ServerSpec {
  label: string;
  start(ctx: StartContext): Promise<Running>;
}

interface Spawned {
  child: ChildProcess;
  log: () => string;
  alive: () => void;
  stop: () => Promise<void>;
}

/** Starts `argv` in the server cgroup, detached (stopped as a group), its output kept (the tail). */
function spawnServer(label: string, argv: string[], ctx: StartContext, env = process.env): Spawned {
  const [file, ...args] = ctx.cpu.wrap('server', argv);
  const child = spawn(file!, args, { cwd: REPO, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  let log = '';
  const keep = (data: Buffer | string): void => {
    log = (log + data.toString()).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.on('error', (error) => keep(`\nspawn error: ${error.message}\n`));
  const stop = (): Promise<void> => stopGroup(child);
  ctx.cleanup.push(label, stop);
  const alive = (): void => {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${label} exited (${child.exitCode ?? child.signalCode}): ${log.slice(-2000)}`);
  };
  return { child, log: () => log, alive, stop };
}

/** A TCP port free right now on the loopback address. */
async function freeTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP port');
  return address.port;
}

/** One of serve.ts's servers, in a process of its own; resolves once it printed its port. */
function nodeServer(label: string, kind: string, target: (name: string) => string): ServerSpec {
  return {
    label,
    async start(ctx) {
      // TMPDIR: our HTTP service's fixture rootfs lands in the scratch directory, removed with it.
      const env = { ...process.env, TMPDIR: ctx.scratch };
      const argv = [process.execPath, '--import', 'tsx', SERVE, kind, ctx.file];
      const server = spawnServer(label, argv, ctx, env);
      try {
        const port = await poll(
          `${label} listening`,
          () => {
            server.alive();
            const match = /^port (\d+)$/m.exec(server.log());
            return Promise.resolve(match ? Number(match[1]) : undefined);
          },
          30000,
        );
        return { port, target: target(path.basename(ctx.file)), alive: server.alive, stop: server.stop };
      } catch (error) {
        await server.stop();
        throw error;
      }
    },
  };
}

/** dnsmasq as a TFTP server only (no DNS, no DHCP), on 127.0.0.1:69, serving the file's directory. */
const dnsmasq: ServerSpec = {
  label: 'dnsmasq',
  start(ctx) {
    const argv = [
      'dnsmasq',
      '-k',
      '--conf-file=/dev/null',
      '--port=0',
      '--enable-tftp',
      `--tftp-root=${path.dirname(ctx.file)}`,
      `--listen-address=${HOST}`,
      '--bind-interfaces',
      '--tftp-max=200',
      '--user=root',
      '--pid-file',
      // Errors only (a line per transfer otherwise), like our server with its silent logger.
      '--quiet-tftp',
      `--log-facility=${path.join(ctx.scratch, 'dnsmasq.log')}`,
    ];
    const server = spawnServer('dnsmasq', argv, ctx);
    return Promise.resolve({ port: 69, target: path.basename(ctx.file), ...server });
  },
};

/** busybox httpd serving the file's directory: one forked child per connection. */
const busyboxHttpd: ServerSpec = {
  label: 'busybox httpd',
  async start(ctx) {
    const port = await freeTcpPort();
    const argv = ['busybox', 'httpd', '-f', '-p', `${HOST}:${port}`, '-h', path.dirname(ctx.file)];
    const server = spawnServer('busybox httpd', argv, ctx);
    return { port, target: `/${path.basename(ctx.file)}`, ...server };
  },
};

/** The TFTP servers, the C reference first (the ratios are against it). */
export const TFTP_SERVERS: ServerSpec[] = [
  dnsmasq,
  nodeServer('Node floor (dgram)', 'floor-tftp', (name) => name),
  nodeServer('ours (agents/tftp)', 'ours-tftp', (name) => name),
];

/** The HTTP servers, the C reference first. */
export const HTTP_SERVERS: ServerSpec[] = [
  busyboxHttpd,
  nodeServer('Node floor (http)', 'floor-http', (name) => `/${name}`),
  nodeServer('ours (agents/http)', 'ours-http', (name) => `/boot/vn1/${name}`),
];
