// Real processes for the fault suites: started in a network namespace in their own process group, with
// their output kept (the tail) for failure messages, killed with SIGKILL (kill -9: no cleanup, no
// flush, as a crash or an OOM kill), and what each fault cost recorded and printed.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { stopProcessGroup } from '../../local/process-group.js';

const root = path.resolve(import.meta.dirname, '..', '..');
export const TSX = path.join(root, 'node_modules', '.bin', 'tsx');
const LOG_TAIL_CHARS = 200_000;

export interface RealProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** The tail of its stdout and stderr. */
  log(): string;
  /** Resolves when it exited. */
  exited: Promise<void>;
}

export interface Launch {
  /** The network namespace (the root namespace when undefined). */
  ns?: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
}

/** Starts `command args` inside namespace `ns`, in a process group of its own. */
export function startIn(name: string, { ns, command, args, env = {} }: Launch): RealProcess {
  const argv = ns ? ['netns', 'exec', ns, command, ...args] : args;
  const child = spawn(ns ? 'ip' : command, argv, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let log = '';
  const keep = (d: Buffer): void => {
    log = (log + d.toString()).slice(-LOG_TAIL_CHARS);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    child.once('exit', () => resolve());
  });
  return { name, child, log: () => log, exited };
}

/** kill -9 of the whole process group; resolves once the leader is gone. */
export async function kill9(proc: RealProcess): Promise<void> {
  try {
    process.kill(-proc.child.pid!, 'SIGKILL');
  } catch {
    // already gone
  }
  await proc.exited;
}

export async function stop(proc: RealProcess | undefined): Promise<void> {
  if (proc) await stopProcessGroup(proc.child);
}

export interface FaultCost {
  fault: string;
  /** From the fault to the state the test waits for. */
  seconds: number;
  /** What was retried or redone to get there. */
  retried: string;
}

/** The costs of a suite's faults, printed at its end. */
export class CostSheet {
  private readonly costs: FaultCost[] = [];

  record(cost: FaultCost): void {
    this.costs.push(cost);
    process.stderr.write(
      `[faults] ${cost.fault}: converged in ${cost.seconds.toFixed(1)} s; ${cost.retried}\n`,
    );
  }

  print(): void {
    if (this.costs.length === 0) return;
    const lines = this.costs.map((c) => `  ${c.fault}: ${c.seconds.toFixed(1)} s; ${c.retried}`);
    process.stderr.write(`[faults] what each fault cost:\n${lines.join('\n')}\n`);
  }
}

/** Seconds since `start` (ms). */
export function secondsSince(start: number): number {
  return (Date.now() - start) / 1000;
}
