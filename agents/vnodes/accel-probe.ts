// Does KVM really work here? /dev/kvm existing is not enough: on a PVM host it opens, qemu starts, the
// firmware runs, yet a Linux guest stops right after its real-mode setup and never gets further (and
// `-cpu host` aborts). The probe boots a guest that does what hangs there — leave real mode, turn
// paging and long mode on, fault in ~100 MiB — then prints a marker on the serial port and exits
// through the isa-debug-exit device. A usable KVM does this in well under a second; TCG takes about
// 0.3 s; the PVM host we run on takes 1.6 to 6 s, i.e. KVM there is slower than emulation, and a
// guest's firmware stalls (iPXE stopped at its Ctrl-B prompt for good on a probe that took 1.6 s).
// The deadline (1 s by default, qemu's start included) makes "slower than emulation" a failure: a
// wrong "no" costs speed (TCG), a wrong "yes" costs every boot.
// Given a kernel (e.g. the one the nodes boot), the probe boots that instead and waits for its banner.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface ProbeOptions {
  qemu?: string;
  /** A bzImage to boot instead of the built-in boot sector. */
  kernel?: string;
  timeoutMs?: number;
}

export interface ProbeResult {
  ok: boolean;
  ms: number;
  detail: string;
}

/**
 * The probe's boot sector, assembled once from this (GNU as, `.code16`, linked at 0x7c00):
 *   cli; zero ds/es/ss; sp=0x7c00; clear 0x1000-0x3fff (PML4, PDPT, PD)
 *   PML4[0]=0x2003; PDPT[0]=0x3003; PD[0..63]=2 MiB pages 0-128 MiB (0x83 | base)
 *   lgdt {null, 64-bit code 0x00209A..., data 0x000092...}; cr4.PAE; cr3=0x1000;
 *   EFER.LME (rdmsr/wrmsr 0xC0000080); cr0 |= PG|PE; ljmp 0x08:long_mode
 *   long_mode: for rdi in 16 MiB..112 MiB step 4 KiB: movb $1,(rdi)
 *   print "WALT-KVM-OK\r\n" on port 0x3f8; outb 0x10 to port 0xf4 (qemu exits with 33); hlt loop
 * Written for this project; the bytes below are its whole output before the 0x55AA signature.
 */
const BOOT_SECTOR_HEX =
  'fa31c08ed88ec08ed0bc007cfcbf0010b90018f3ab66c70600100320000066c706002003300000bf003066b8830000' +
  '00b9400066890566050000200083c708e2f2660f0116d07c0f20e06683c8200f22e066b8001000000f22d866b98000' +
  '00c00f32660d000100000f300f20c0660d010000800f22c0ea7b7c080048c7c700000001c607014881c70010000048' +
  '81ff0000000772ed488d353a00000066baf803ac84c07403eeebf866baf400b010eef4ebfd660f1f44000000000000' +
  '0000000000000000009a200000000000009200001700b87c000057414c542d4b564d2d4f4b0d0a';

export const PROBE_MARKER = 'WALT-KVM-OK';
/** isa-debug-exit turns the value 0x10 the probe writes into the exit status (0x10 << 1) | 1. */
const PROBE_EXIT_CODE = 33;
const KERNEL_MARKER = 'Linux version';
const OUTPUT_LIMIT = 64 * 1024;

/** The 512-byte boot sector of the probe. */
export function probeBootSector(): Buffer {
  const sector = Buffer.alloc(512);
  Buffer.from(BOOT_SECTOR_HEX, 'hex').copy(sector);
  sector.writeUInt16LE(0xaa55, 510);
  return sector;
}

/** qemu arguments of a KVM probe booting `image` (a boot sector) or `kernel` (pure). */
export function probeArgs(target: { image: string } | { kernel: string }): string[] {
  const common = [
    '-accel',
    'kvm',
    '-machine',
    'pc,graphics=off',
    '-m',
    '128M',
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-no-reboot',
    '-serial',
    'stdio',
  ];
  if ('kernel' in target) {
    // panic=-1: no root file system → panic → reboot → qemu exits (-no-reboot).
    const append = 'console=ttyS0 earlyprintk=serial,ttyS0 panic=-1';
    return [...common, '-kernel', target.kernel, '-append', append];
  }
  return [
    ...common,
    '-device',
    'isa-debug-exit,iobase=0xf4,iosize=0x04',
    '-drive',
    `file=${target.image.replaceAll(',', ',,')},format=raw,if=ide`,
    '-boot',
    'c',
  ];
}

/** Whether a probe run succeeded, from its exit and output (pure). */
export function probeSucceeded(
  run: { code: number | null; output: string; timedOut: boolean },
  kernel: boolean,
): boolean {
  if (run.timedOut) return false;
  if (kernel) return run.code === 0 && run.output.includes(KERNEL_MARKER);
  return run.code === PROBE_EXIT_CODE && run.output.includes(PROBE_MARKER);
}

interface ProbeRun {
  code: number | null;
  output: string;
  timedOut: boolean;
  error?: string;
}

function runQemu(qemu: string, args: string[], timeoutMs: number): Promise<ProbeRun> {
  return new Promise((resolve) => {
    const child = spawn(qemu, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let timedOut = false;
    const collect = (chunk: Buffer): void => {
      if (output.length < OUTPUT_LIMIT) output += chunk.toString('latin1');
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, output, timedOut, error: error.message });
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, timedOut });
    });
  });
}

function describeRun(run: ProbeRun, ms: number, timeoutMs: number): string {
  if (run.error) return `qemu did not start: ${run.error}`;
  if (run.timedOut) return `no result within ${timeoutMs} ms (a KVM slower than useful, or a stuck guest)`;
  const lastLine = run.output.trim().split('\n').pop()?.trim() ?? '';
  return `qemu exited with ${run.code} after ${ms} ms${lastLine ? `: ${lastLine.slice(0, 200)}` : ''}`;
}

/** Boots the probe guest under KVM; never throws. */
export async function probeKvm(options: ProbeOptions = {}): Promise<ProbeResult> {
  const kernel = options.kernel;
  const timeoutMs = options.timeoutMs ?? (kernel ? 10_000 : 1_000);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'walt-kvm-probe-'));
  try {
    const image = path.join(dir, 'probe.img');
    if (!kernel) await writeFile(image, probeBootSector());
    const started = Date.now();
    const args = probeArgs(kernel ? { kernel } : { image });
    const run = await runQemu(options.qemu ?? 'qemu-system-x86_64', args, timeoutMs);
    const ms = Date.now() - started;
    const ok = probeSucceeded(run, kernel !== undefined);
    return { ok, ms, detail: ok ? `probe guest ran in ${ms} ms` : describeRun(run, ms, timeoutMs) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
