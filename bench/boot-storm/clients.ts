// The simulated PXE clients: one network namespace each, plugged into the segment bridge, each doing
// DHCP (udhcpc posing as iPXE, its script configuring the address), a TFTP download and an HTTP
// download. A storm launches them all at once and times the whole and each client.
import { chmod, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { addClient, type Client, type Segment } from '../../test/support/netns.js';
import { cpuBetween, type CpuGroups, type CpuUsage } from './cpu.js';
import { mapLimit, run } from './proc.js';

export interface BootTarget {
  /** TFTP file name, as the server resolves it. */
  tftpFile: string;
  tftpSize: number;
  /** HTTP URL of the big file for client `i`. */
  httpUrl: (i: number) => string;
  httpSize: number;
}

export type Step = 'dhcp' | 'tftp' | 'http';
export const STEPS: readonly Step[] = ['dhcp', 'tftp', 'http'];

export interface ClientResult {
  ok: boolean;
  seconds: number;
  /** Seconds per completed step. */
  steps: Partial<Record<Step, number>>;
  /** When each completed step started and ended, in seconds from the start of the storm. */
  spans: Partial<Record<Step, [number, number]>>;
  /** The step that failed and why. */
  error?: string;
}

export interface StormResult {
  /** Start of the storm on the monotonic clock (seconds; what `perf record -k mono` stamps with). */
  origin: number;
  seconds: number;
  results: ClientResult[];
  /** CPU used from the first start to the last end. */
  cpu?: CpuUsage;
  /** Phased storms: wall seconds and CPU of each phase (all clients in it, none in another). */
  phases?: Partial<Record<Step, { seconds: number; cpu?: CpuUsage }>>;
}

/** MAC of client `i`: locally unique, stable across rounds (the WaltNodes are registered for them). */
export function clientMac(i: number): string {
  const hex = (n: number): string => n.toString(16).padStart(2, '0');
  return `52:54:00:80:${hex((i >> 8) & 0xff)}:${hex(i & 0xff)}`;
}

/** Creates `count` client namespaces in parallel batches of 20 (recorded in `net.clients` at once). */
export async function createClients(net: Segment, count: number): Promise<Client[]> {
  const indices = Array.from({ length: count }, (_, i) => i);
  return mapLimit(indices, 20, (i) => addClient(net, { mac: clientMac(i) }));
}

/** The udhcpc script: drop old addresses, configure the leased one. */
export async function writeDhcpScript(dir: string): Promise<string> {
  const script = path.join(dir, 'udhcpc.sh');
  await writeFile(
    script,
    [
      '#!/bin/sh',
      'case "$1" in',
      '  deconfig) ip addr flush dev "$interface" ;;',
      '  bound|renew) ip addr flush dev "$interface"; ip addr add "$ip/$mask" dev "$interface" ;;',
      'esac',
      'exit 0',
      '',
    ].join('\n'),
  );
  await chmod(script, 0o755);
  return script;
}

const IPXE = ['-V', 'PXEClient:Arch:00000:UNDI:002001', '-x', '0xaf:b10101', '-x', '93:0000'];

function reason(step: string, error: unknown): string {
  const e = error as { message?: string; stderr?: string; killed?: boolean };
  if (e.killed) return `${step}: timed out`;
  const detail = (e.stderr || e.message || String(error)).trim().split('\n').slice(-1)[0];
  return `${step}: ${detail}`;
}

interface StormContext {
  dir: string;
  script: string;
  server: string;
  target: BootTarget;
  /** Wraps each client command (e.g. to run it in the clients' cgroup). */
  wrap: (argv: string[]) => string[];
  /** hrtime at the start of the storm (set once the CPU is sampled). */
  origin: bigint;
}

const since = (origin: bigint): number => Number(process.hrtime.bigint() - origin) / 1e9;

function clientRun(
  ctx: StormContext,
  client: Client,
  argv: string[],
  timeoutMs: number,
): Promise<{ stdout: string; stderr: string }> {
  return run(ctx.wrap(['ip', 'netns', 'exec', client.ns, ...argv]), timeoutMs);
}

async function dhcp(ctx: StormContext, client: Client): Promise<void> {
  await clientRun(
    ctx,
    client,
    [
      'busybox',
      'udhcpc',
      '-i',
      client.ifname,
      '-f',
      '-q',
      '-n',
      '-t',
      '8',
      '-T',
      '3',
      '-s',
      ctx.script,
      ...IPXE,
    ],
    60000,
  );
}

async function tftp(ctx: StormContext, client: Client, i: number): Promise<void> {
  const local = path.join(ctx.dir, `tftp-${i}.bin`);
  const { tftpFile, tftpSize } = ctx.target;
  await clientRun(
    ctx,
    client,
    ['busybox', 'tftp', '-g', '-r', tftpFile, '-l', local, '-b', '1468', ctx.server],
    120000,
  );
  const { size } = await stat(local);
  await rm(local, { force: true });
  if (size !== tftpSize) throw new Error(`got ${size} bytes, not ${tftpSize}`);
}

async function http(ctx: StormContext, client: Client, i: number): Promise<void> {
  const { stdout } = await clientRun(
    ctx,
    client,
    ['curl', '-sf', '-o', '/dev/null', '--max-time', '120', '-w', '%{size_download}', ctx.target.httpUrl(i)],
    130000,
  );
  if (Number(stdout) !== ctx.target.httpSize)
    throw new Error(`got ${stdout} bytes, not ${ctx.target.httpSize}`);
}

const STEP_WORK: Record<Step, (ctx: StormContext, client: Client, i: number) => Promise<void>> = {
  dhcp,
  tftp,
  http,
};

/** One client of a storm and what it did so far. */
interface Job {
  client: Client;
  i: number;
  result: ClientResult;
}

/** Runs one step of one client, recording its time; a failure ends the client (ok false, why). */
async function runStep(ctx: StormContext, job: Job, name: Step): Promise<void> {
  const { client, i, result } = job;
  const started = since(ctx.origin);
  try {
    await STEP_WORK[name](ctx, client, i);
    const ended = since(ctx.origin);
    result.steps[name] = ended - started;
    result.spans[name] = [started, ended];
  } catch (error) {
    result.ok = false;
    result.error = reason(name, error);
  }
  result.seconds = since(ctx.origin) - (result.spans.dhcp?.[0] ?? started);
}

async function bootClient(ctx: StormContext, job: Job): Promise<void> {
  for (const name of STEPS) {
    if (!job.result.ok) return;
    await runStep(ctx, job, name);
  }
}

export interface StormOptions {
  dir: string;
  script: string;
  server: string;
  /** All clients through one phase before any starts the next (a per-phase breakdown of the servers). */
  phased: boolean;
  cpu?: CpuGroups;
}

/** Runs `work`; its wall seconds leave out the CPU sampling around it (reading /proc takes a while). */
async function measured(
  cpu: CpuGroups | undefined,
  work: () => Promise<void>,
): Promise<{ seconds: number; cpu?: CpuUsage }> {
  const before = await cpu?.sample();
  const started = process.hrtime.bigint();
  await work();
  const seconds = since(started);
  const after = await cpu?.sample();
  return before && after ? { seconds, cpu: cpuBetween(before, after) } : { seconds };
}

/**
 * All clients at once (concurrency = all of them): wall time from the first start to the last end.
 * Phased: each phase for all clients at once, the next phase once all are through.
 */
export async function storm(
  clients: Client[],
  options: StormOptions,
  target: BootTarget,
): Promise<StormResult> {
  const ctx: StormContext = {
    ...options,
    target,
    wrap: (argv) => options.cpu?.wrap('clients', argv) ?? argv,
    origin: process.hrtime.bigint(),
  };
  const jobs: Job[] = clients.map((client, i) => ({
    client,
    i,
    result: { ok: true, seconds: 0, steps: {}, spans: {} },
  }));
  const all = (work: (job: Job) => Promise<void>): Promise<void[]> => mapLimit(jobs, jobs.length, work);
  const phases: NonNullable<StormResult['phases']> = {};
  const whole = await measured(options.cpu, async () => {
    ctx.origin = process.hrtime.bigint();
    if (!options.phased) {
      await all((job) => bootClient(ctx, job));
      return;
    }
    for (const name of STEPS) {
      phases[name] = await measured(options.cpu, async () => {
        await all((job) => (job.result.ok ? runStep(ctx, job, name) : Promise.resolve()));
      });
    }
  });
  const results = jobs.map((job) => job.result);
  const origin = Number(ctx.origin) / 1e9;
  // Phased: the phases' wall times add up to the storm's (the sampling between phases is left out).
  const seconds = options.phased
    ? STEPS.reduce((sum, step) => sum + (phases[step]?.seconds ?? 0), 0)
    : whole.seconds;
  return { origin, seconds, results, cpu: whole.cpu, ...(options.phased ? { phases } : {}) };
}
