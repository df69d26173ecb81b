// The nfs-ganesha server of a segment, run by the agent: started in a private mount namespace with its
// own rpcbind, reconfigured by rewriting its configuration and sending SIGHUP (ganesha
// re-reads its exports: added and removed ones change, the others keep serving their clients), and
// stopped with its whole process group.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from '../../common/logger.js';
import { NfsServerExited, NfsServerNotReady } from './errors.js';

// Run under `unshare --mount`: a private /run gives ganesha and its rpcbind their own portmapper
// socket and pid files (each segment's agent has its own network namespace), then the shell becomes
// ganesha. A constant: the paths arrive as $1 (configuration) and $2 (log), never interpolated.
const RUN_SCRIPT = `set -eu
mount -t tmpfs -o mode=0755 walt-nfs-run /run
mkdir -p /run/ganesha /run/rpcbind
rpcbind -f -w &
i=0
while [ ! -S /run/rpcbind.sock ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
exec ganesha.nfsd -F -L "$2" -f "$1" -p /run/ganesha/ganesha.pid`;
const READY_TIMEOUT_MS = 30_000;
const RELOAD_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 5_000;

export interface GaneshaOptions {
  workDir: string;
  bindAddress: string;
  logger: Logger;
  /** Called when the server exits without being asked to (the service restarts it). */
  onExit: (code: number | null, signal: NodeJS.Signals | null) => void;
  nfsPort?: number;
}

export interface Ganesha {
  readonly pid: number | undefined;
  start(config: string): Promise<void>;
  reload(config: string): Promise<void>;
  stop(): Promise<void>;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function countOf(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

class GaneshaProcess implements Ganesha {
  private child: ChildProcess | undefined;
  private stopping = false;
  private readonly configFile: string;
  private readonly logFile: string;

  constructor(private readonly options: GaneshaOptions) {
    this.configFile = path.join(options.workDir, 'ganesha.conf');
    this.logFile = path.join(options.workDir, 'ganesha.log');
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(config: string): Promise<void> {
    await mkdir(path.join(this.options.workDir, 'recovery'), { recursive: true });
    await this.writeConfig(config);
    this.stopping = false;
    const child = spawn(
      'unshare',
      [
        '--mount',
        '--propagation',
        'private',
        '--',
        'sh',
        '-c',
        RUN_SCRIPT,
        'walt-nfs',
        this.configFile,
        this.logFile,
      ],
      {
        detached: true,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    this.child = child;
    child.stderr?.on('data', (chunk: Buffer) =>
      this.options.logger.warn({ stderr: chunk.toString().trim() }, 'nfs server'),
    );
    child.once('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      if (this.stopping) return;
      // Its rpcbind outlives it in the group: left there, it would keep port 111 and answer for the
      // dead server, and the next ganesha's exports would not be found (mount: access denied).
      if (child.pid !== undefined) this.signalGroup(child.pid, 'SIGKILL');
      this.options.onExit(code, signal);
    });
    await this.waitReady(child);
    this.options.logger.info(
      { pid: child.pid, address: this.options.bindAddress },
      'NFS server (nfs-ganesha) ready',
    );
  }

  async reload(config: string): Promise<void> {
    const before = countOf(await this.log(), 'Reread exports complete');
    await this.writeConfig(config);
    const pid = this.child?.pid;
    if (pid === undefined) throw NfsServerExited('reload');
    process.kill(pid, 'SIGHUP');
    const deadline = Date.now() + RELOAD_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (countOf(await this.log(), 'Reread exports complete') > before) return;
      await delay(50);
    }
    this.options.logger.warn('the NFS server did not confirm the export reload in time');
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child?.pid) return;
    this.stopping = true;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.signalGroup(child.pid, 'SIGTERM');
    const timer = setTimeout(() => this.signalGroup(child.pid!, 'SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
    // rpcbind is in the same process group: make sure nothing is left.
    this.signalGroup(child.pid, 'SIGKILL');
    this.child = undefined;
  }

  private signalGroup(pid: number, signal: NodeJS.Signals): void {
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
  }

  private async writeConfig(config: string): Promise<void> {
    const tmp = `${this.configFile}.tmp`;
    await writeFile(tmp, config);
    await rename(tmp, this.configFile);
  }

  private log(): Promise<string> {
    return readFile(this.logFile, 'utf8').catch(() => '');
  }

  private async waitReady(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    const port = this.options.nfsPort ?? 2049;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw NfsServerExited('start', (await this.log()).slice(-2000));
      const initialised = (await this.log()).includes('NFS SERVER INITIALIZED');
      if (initialised && (await canConnect(this.options.bindAddress, port))) return;
      await delay(100);
    }
    await this.stop();
    throw NfsServerNotReady(READY_TIMEOUT_MS, this.logFile);
  }
}

export function createGanesha(options: GaneshaOptions): Ganesha {
  return new GaneshaProcess(options);
}
