// Stopping a child started with `detached: true` (its own process group) and everything it started:
// SIGTERM to the group, SIGKILL after the grace period, then wait (bounded) until the group is empty,
// so its sockets and devices are released before anything else reuses them.
import type { ChildProcess } from 'node:child_process';

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function killGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false; // already gone
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the leader exited (or the bound passed). */
async function terminateLeader(child: ChildProcess, pid: number, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  killGroup(pid, 'SIGTERM');
  const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
  // The bound's timer is cleared too: a pending one kept test runners alive for seconds.
  let bound: NodeJS.Timeout | undefined;
  const passed = new Promise<void>((resolve) => (bound = setTimeout(resolve, graceMs + 3000)));
  await Promise.race([exited, passed]);
  clearTimeout(timer);
  clearTimeout(bound);
}

export async function stopProcessGroup(
  child: ChildProcess | undefined,
  options: { graceMs?: number } = {},
): Promise<void> {
  const pid = child?.pid;
  if (!child || pid === undefined) return;
  await terminateLeader(child, pid, options.graceMs ?? 5000);
  // Whatever the leader left behind in its group.
  killGroup(pid, 'SIGKILL');
  for (let i = 0; i < 50 && killGroup(pid, 0); i++) await delay(100);
  child.stdout?.destroy();
  child.stderr?.destroy();
}

/** Whether process `pid` still exists (signal 0 checks without sending anything). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
