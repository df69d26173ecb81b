// The reference side of the vnode-boot benchmark: the same kernel, initramfs and root filesystem as a
// netbooted virtual node, booted the plain way — qemu with -kernel/-initrd and the rootfs as a local
// virtio disk (ext4 made by mke2fs -d, no root mount needed). Measures from spawning qemu until the
// image's init prints its ready line on the serial console.
//
// Run alone: npx tsx bench/vnode-boot/direct-boot.ts   (builds the default image first if needed)
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { cacheRoot, ensureDefaultImage } from '../../local/default-image/image.js';

const run = promisify(execFile);

/** What the default image's /sbin/init prints once it is up (local/default-image/walt-default-init.sh). */
export const READY_LINE = 'walt-default-init: ready';
const CONSOLE_LIMIT = 1024 * 1024;

export interface DirectBootOptions {
  kernel: string;
  initrd: string;
  rootfsDir: string;
  /** Holds the disk image (cached across runs, keyed by the rootfs path and mtime). */
  workDir: string;
  memoryMiB?: number;
  timeoutMs?: number;
}

export interface DirectBootResult {
  /** From spawning qemu to the ready line on the console. */
  readyMs: number;
  consoleLog: string;
}

/** Disk size for a tree of `bytes`: room for ext4 metadata and inode tables, in MiB. */
export function diskSizeMiB(bytes: number): number {
  return Math.ceil((bytes * 1.25) / 1048576) + 64;
}

export function qemuArgs(options: {
  kernel: string;
  initrd: string;
  disk: string;
  memoryMiB: number;
}): string[] {
  return [
    ...['-accel', 'tcg', '-machine', 'pc', '-m', String(options.memoryMiB)],
    ...['-nodefaults', '-nographic', '-no-reboot', '-serial', 'stdio'],
    ...['-kernel', options.kernel, '-initrd', options.initrd],
    ...['-append', 'console=ttyS0 root=/dev/vda rw init=/sbin/init panic=-1 quiet'],
    // snapshot=on: the guest's writes go to a temporary file, so the cached disk stays as built.
    ...['-drive', `file=${options.disk},if=virtio,format=raw,snapshot=on`],
  ];
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/** The ext4 image of `rootfsDir`, made once per rootfs path and mtime (a rebuilt image gets a new one). */
export async function ensureDisk(rootfsDir: string, workDir: string): Promise<string> {
  const { mtimeMs } = await stat(rootfsDir);
  const key = createHash('sha256')
    .update(`${path.resolve(rootfsDir)}\0${mtimeMs}`)
    .digest('hex')
    .slice(0, 12);
  const disk = path.join(workDir, `rootfs-${key}.ext4`);
  if (await exists(disk)) return disk;
  await mkdir(workDir, { recursive: true });
  const { stdout } = await run('du', ['-sb', rootfsDir]);
  const size = diskSizeMiB(Number(stdout.split('\t')[0]));
  const partial = `${disk}.${process.pid}.tmp`;
  try {
    await run('mke2fs', ['-q', '-t', 'ext4', '-d', rootfsDir, '-F', partial, `${size}M`], {
      env: { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin` },
    });
    await rename(partial, disk);
  } finally {
    await rm(partial, { force: true });
  }
  return disk;
}

/** Kills qemu's whole process group (spawned detached), then waits for it to be gone. */
async function killGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined) return;
  const exited = child.exitCode !== null || child.signalCode !== null;
  const gone = exited
    ? Promise.resolve()
    : new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
  await gone;
}

/** Resolves with the time of the ready line; rejects if qemu exits first or the deadline passes. */
function waitReady(
  child: ChildProcess,
  started: number,
  timeoutMs: number,
  log: { text: string },
): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${READY_LINE}" within ${timeoutMs} ms`)), timeoutMs);
    const done = (): void => clearTimeout(timer);
    const onData = (chunk: Buffer): void => {
      log.text = (log.text + chunk.toString('latin1')).slice(-CONSOLE_LIMIT);
      if (log.text.includes(READY_LINE)) {
        done();
        resolve(performance.now() - started);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (err) => {
      done();
      reject(err);
    });
    child.once('exit', (code, signal) => {
      done();
      reject(new Error(`qemu exited (${signal ?? code}) before ready`));
    });
  });
}

/** Boots the rootfs as a local disk under qemu (TCG) and measures the time to the ready line. */
export async function bootDirect(options: DirectBootOptions): Promise<DirectBootResult> {
  const timeoutMs = options.timeoutMs ?? 120000;
  const disk = await ensureDisk(options.rootfsDir, options.workDir);
  const args = qemuArgs({ ...options, disk, memoryMiB: options.memoryMiB ?? 512 });
  const log = { text: '' };
  const started = performance.now();
  // Detached: its own process group, killed as a whole whatever happens.
  const child = spawn('qemu-system-x86_64', args, { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  try {
    const readyMs = await waitReady(child, started, timeoutMs, log);
    return { readyMs: Math.round(readyMs), consoleLog: log.text };
  } catch (err) {
    const tail = log.text.split('\n').slice(-30).join('\n');
    throw new Error(`direct boot failed: ${(err as Error).message}\n--- console (end) ---\n${tail}`, {
      cause: err,
    });
  } finally {
    await killGroup(child);
  }
}

async function main(): Promise<void> {
  const image = await ensureDefaultImage();
  const result = await bootDirect({ ...image, workDir: path.join(cacheRoot(), 'vnode-boot') });
  process.stdout.write(`${result.consoleLog}\n\ndirect boot: ready in ${result.readyMs} ms\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
