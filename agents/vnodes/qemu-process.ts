// The qemu process of a VM: what it needs on disk before a start (work dir, sparse disks, no stale
// QMP socket, no leftover qemu of an earlier agent holding the tap, pid file and MAC), and killing it.
// qemu runs detached, in a session and process group of its own: a signal to the agent's group does not
// reach it, and a kill of its group leaves nothing behind.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { diskBytes, diskPath, pidFilePath, qmpSocketPath, type VmConfig } from './qemu-args.js';

/** Sends `signal` to the process group led by `pid`; a group already gone is fine. */
export function killGroup(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Kills the qemu an earlier agent left running for this VM (its pid file names it, and its command
 * line names the pid file, so a recycled pid is never mistaken for it). Returns its pid, if any.
 */
export async function killLeftover(workDir: string): Promise<number | undefined> {
  const pidFile = pidFilePath(workDir);
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 1) return undefined;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!cmdline.split('\0').includes(pidFile)) return undefined;
  killGroup(pid);
  for (let i = 0; i < 50 && alive(pid); i++) await sleep(100);
  return pid;
}

/** Raw sparse disk files of the sizes in the spec (created, or resized to a changed size). */
async function prepareDisks(config: VmConfig): Promise<void> {
  for (const [index, disk] of (config.virtual.disks ?? []).entries()) {
    const file = await open(diskPath(config.workDir, index), 'a');
    try {
      const size = diskBytes(disk);
      if ((await file.stat()).size !== size) await file.truncate(size);
    } finally {
      await file.close();
    }
  }
}

/** Everything a start needs on disk. */
export async function prepareStart(config: VmConfig): Promise<void> {
  await mkdir(config.workDir, { recursive: true });
  await killLeftover(config.workDir);
  await rm(qmpSocketPath(config.workDir, config.tap), { force: true });
  await prepareDisks(config);
}

export interface QemuSpawnOptions {
  qemu: string;
  args: string[];
  /** Prepended to the command (tests: ['ip', 'netns', 'exec', '<ns>'], which execs qemu in place). */
  commandPrefix: readonly string[];
}

export function spawnQemu(options: QemuSpawnOptions): ChildProcessWithoutNullStreams {
  const [file, ...args] = [...options.commandPrefix, options.qemu, ...options.args];
  // stdin stays open: the serial console reads it (console input is for later).
  return spawn(file!, args, { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
}
