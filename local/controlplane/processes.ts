// Long-running child processes that outlive the command that started them (detached, logs in files).
import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export function spawnDetached(binary: string, args: string[], logFile: string): number {
  const log = openSync(logFile, 'a');
  try {
    const child = spawn(binary, args, { detached: true, stdio: ['ignore', log, log] });
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${binary}`);
    return child.pid;
  } finally {
    closeSync(log);
  }
}

/** True when `pid` is alive and runs `binary` (guards against a recycled pid). */
export function isRunning(pid: number | undefined, binary: string): boolean {
  if (!pid) return false;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // A zombie (exited, not yet reaped) is not running.
    if (/\) Z /.test(stat)) return false;
    return cmdline.split('\0')[0] === binary;
  } catch {
    return false;
  }
}

export async function stopProcess(pid: number | undefined, binary: string, graceMs = 10000): Promise<void> {
  if (!pid || !isRunning(pid, binary)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isRunning(pid, binary)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      await sleep(100);
      return;
    }
    await sleep(50);
  }
}

export function tailOf(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
