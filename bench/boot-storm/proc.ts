// Processes of the boot-storm bench: long-running servers in a network namespace (each in its own
// process group, stopped as a group with a bounded wait), commands with a timeout, and a cleanup stack
// that runs once, in reverse order, each step bounded.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { stopProcessGroup } from '../../local/process-group.js';

const execFileP = promisify(execFile);

/** Runs `argv`, killed after `timeoutMs`; rejects on a non-zero exit. */
export async function run(argv: string[], timeoutMs: number): Promise<{ stdout: string; stderr: string }> {
  return execFileP(argv[0]!, argv.slice(1), {
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    maxBuffer: 1024 * 1024,
  });
}

/** Runs a command inside a namespace, killed after `timeoutMs`; rejects on a non-zero exit. */
export async function nsRun(
  ns: string,
  cmd: string,
  args: string[],
  timeoutMs: number,
): Promise<{ stdout: string; stderr: string }> {
  return run(['ip', 'netns', 'exec', ns, cmd, ...args], timeoutMs);
}

export interface Server {
  name: string;
  child: ChildProcess;
  /** The last bytes it wrote (stdout and stderr). */
  log(): string;
  stop(): Promise<void>;
}

/**
 * Starts `command` inside `ns` in its own process group (tsx runs node as a child: stop them all),
 * registered with `cleanup` at once, so an interrupted run never leaves it behind.
 */
export function startServer(
  spec: {
    name: string;
    ns: string;
    command: string[];
    env?: NodeJS.ProcessEnv;
    /** Rewrites the full argv (e.g. to start it in a cgroup). */
    wrap?: (argv: string[]) => string[];
  },
  cleanup: Cleanup,
): Server {
  const { name, ns, command, env = process.env, wrap = (argv): string[] => argv } = spec;
  let log = '';
  const keep = (d: Buffer): void => {
    log = (log + d.toString()).slice(-16000);
  };
  const [file, ...args] = wrap(['ip', 'netns', 'exec', ns, ...command]);
  const child = spawn(file!, args, {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.on('error', (error) => keep(Buffer.from(`\nspawn error: ${error.message}\n`)));
  const server: Server = { name, child, log: () => log, stop: () => stopGroup(child) };
  cleanup.push(name, () => server.stop());
  return server;
}

/** SIGTERM to the group, SIGKILL after 5 s, then waits until the group is empty (bounded). */
export function stopGroup(child: ChildProcess): Promise<void> {
  return stopProcessGroup(child);
}

/** SIGKILLs every process in a namespace this bench created (the bridges' forwarders, leftovers). */
export async function killNamespaceProcesses(ns: string): Promise<void> {
  const { stdout } = await execFileP('ip', ['netns', 'pids', ns]);
  for (const pid of stdout.split(/\s+/).filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await sleep(200);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Rejects with `what timed out` after `ms`. */
export async function withTimeout<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls until `probe` returns a value (not undefined); errors of the probe count as "not yet". */
export async function poll<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const value = await probe().catch((error: unknown) => {
      last = error instanceof Error ? error.message : String(error);
      return undefined;
    });
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? ` (${last})` : ''}`);
    await sleep(250);
  }
}

/** Runs `work` over `items` with at most `limit` in flight; resolves with the results in order. */
export async function mapLimit<T, R>(
  items: T[],
  limit: number,
  work: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Cleanup steps, run once in reverse order of registration, each bounded; errors are reported, not thrown. */
export class Cleanup {
  private readonly steps: Array<{ what: string; run: () => Promise<unknown>; timeoutMs: number }> = [];
  private running: Promise<void> | undefined;

  push(what: string, run: () => Promise<unknown>, timeoutMs = 60000): void {
    // Registered after the cleanup started (a signal during setup): undo it right away.
    if (this.running) void run().catch(() => undefined);
    else this.steps.push({ what, run, timeoutMs });
  }

  run(): Promise<void> {
    this.running ??= this.runAll();
    return this.running;
  }

  private async runAll(): Promise<void> {
    for (const step of this.steps.reverse()) {
      await withTimeout(`cleanup: ${step.what}`, step.timeoutMs, step.run()).catch((error: unknown) => {
        process.stderr.write(`cleanup: ${step.what} failed: ${(error as Error).message}\n`);
      });
    }
  }
}
