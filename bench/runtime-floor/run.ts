// bench/runtime-floor: how close our boot agent's TFTP and HTTP services are to the floor of the Node.js
// runtime, beside the C reference servers, in the same run, on loopback (127.0.0.1). The boot-storm
// goal compares the agent with dnsmasq and busybox httpd; this bench separates what the agent's own code
// costs from what Node's dgram and http cost anyway, per datagram and per byte: a Node server has no
// sendfile, and pays one recvmsg + one sendmsg + a JS callback per TFTP datagram. The "Node floor"
// servers (serve.ts) are the least a Node program does to serve the same file: a dgram socket per
// transfer sending prebuilt DATA packets on each ACK; http.createServer answering from memory.
// Workloads: TFTP, K concurrent client loops (--tftp-clients, default 20) of M sequential downloads
// (--tftp-downloads, 15) of a 1 MiB random file with busybox tftp (blksize 1468, lock-step), against
// dnsmasq, the Node floor and ours (agents/tftp); HTTP, K loops (--http-clients, 20) of M downloads
// (--http-downloads, 10) of a 20 MiB random file with curl, against busybox httpd, the Node floor and
// ours (agents/http). Each server runs alone in a cgroup (servers.ts), so its CPU seconds, user and
// system, are its own and its children's, not the clients'. Printed: CPU µs per TFTP DATA block and ms
// per HTTP download, the wall time, and the ratio to the C server. Each measurement starts the server,
// waits until it serves and is idle, runs the workload, reads the CPU and stops the server. --rounds N
// (default 3) repeats it all, each round in a rotated server order, and prints the medians, column by
// column (so total is not always user + sys). The machine should be otherwise idle: the clients and
// the server share its cores.
// Run: npm run bench:runtime-floor [-- --rounds 3] [--only tftp|http] [--tftp-clients 20]
//      [--tftp-downloads 15] [--http-clients 20] [--http-downloads 10]
import { execFile } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { CpuGroups, cpuBetween } from '../boot-storm/cpu.js';
import { Cleanup, poll } from '../boot-storm/proc.js';
import { HTTP_SERVERS, TFTP_SERVERS, type Running, type ServerSpec } from './servers.js';

const HOST = '127.0.0.1';
const BLKSIZE = 1468;
const MIB = 1024 * 1024;
const execFileP = promisify(execFile);

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    'tftp-clients': { type: 'string', default: '20' },
    'tftp-downloads': { type: 'string', default: '15' },
    'http-clients': { type: 'string', default: '20' },
    'http-downloads': { type: 'string', default: '10' },
    only: { type: 'string' },
  },
});

function positive(name: string, max: number): number {
  const value = Number(values[name as keyof typeof values]);
  if (Number.isInteger(value) && value >= 1 && value <= max) return value;
  console.error(`runtime-floor: --${name} must be an integer from 1 to ${max}`);
  return process.exit(2);
}

if (values.only !== undefined && values.only !== 'tftp' && values.only !== 'http') {
  console.error('runtime-floor: --only must be tftp or http');
  process.exit(2);
}
const rounds = positive('rounds', 100);
const cleanup = new Cleanup();
/** Aborts the clients in flight (on a signal). */
const clientsAbort = new AbortController();
setMaxListeners(Infinity, clientsAbort.signal); // one listener per client in flight

interface Workload {
  name: 'TFTP' | 'HTTP';
  title: string;
  servers: ServerSpec[];
  clients: number;
  downloads: number;
  size: number;
  /** What the CPU is divided by, its name, and the scale from seconds. */
  per: { count: number; unit: string; scale: number };
  /** One download of `size` bytes from `server`, checked; `out`: a file of its own. */
  fetch(server: Running, out: string): Promise<void>;
}

/** Runs `argv`, killed after `timeoutMs` or on a signal; rejects on a non-zero exit. */
async function exec(argv: string[], timeoutMs: number): Promise<string> {
  const { stdout } = await execFileP(argv[0]!, argv.slice(1), {
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    signal: clientsAbort.signal,
    maxBuffer: MIB,
  });
  return stdout;
}

function tftpWorkload(size: number): Workload {
  const clients = positive('tftp-clients', 200); // dnsmasq's --tftp-max
  const downloads = positive('tftp-downloads', 10000);
  const blocks = clients * downloads * (Math.floor(size / BLKSIZE) + 1);
  return {
    name: 'TFTP',
    title: `${clients} clients x ${downloads} downloads of ${size / MIB} MiB (blksize ${BLKSIZE}, lock-step)`,
    servers: TFTP_SERVERS,
    clients,
    downloads,
    size,
    per: { count: blocks, unit: 'us/block', scale: 1e6 },
    async fetch(server, out) {
      const argv = ['busybox', 'tftp', '-g', '-r', server.target, '-l', out, '-b', String(BLKSIZE)];
      await exec([...argv, HOST, String(server.port)], 60000);
      const got = (await stat(out)).size;
      if (got !== size) throw new Error(`tftp: got ${got} bytes of ${size}`);
    },
  };
}

function httpWorkload(size: number): Workload {
  const clients = positive('http-clients', 1000);
  const downloads = positive('http-downloads', 10000);
  return {
    name: 'HTTP',
    title: `${clients} clients x ${downloads} downloads of ${size / MIB} MiB (curl)`,
    servers: HTTP_SERVERS,
    clients,
    downloads,
    size,
    per: { count: clients * downloads, unit: 'ms/dl', scale: 1e3 },
    async fetch(server) {
      const url = `http://${HOST}:${server.port}${server.target}`;
      const argv = ['curl', '-sf', '--max-time', '120', '-o', '/dev/null', '-w', '%{size_download}', url];
      const got = Number(await exec(argv, 130000));
      if (got !== size) throw new Error(`curl ${url}: got ${got} bytes of ${size}`);
    },
  };
}

interface Bench {
  work: string;
  cpu: CpuGroups;
  workloads: Array<{ workload: Workload; file: string }>;
}

/** The random files, at <work>/rootfs/boot/<model>/ (the layout our TFTP server's resolver wants). */
async function writeFiles(work: string, workloads: Workload[]): Promise<Bench['workloads']> {
  const dir = path.join(work, 'rootfs', 'boot', 'pc-x86-64');
  await mkdir(dir, { recursive: true });
  const files: Bench['workloads'] = [];
  for (const workload of workloads) {
    const file = path.join(dir, `${workload.name.toLowerCase()}-${workload.size / MIB}m.bin`);
    await writeFile(file, randomBytes(workload.size));
    files.push({ workload, file });
  }
  return files;
}

async function prepare(): Promise<Bench> {
  const workloads = [tftpWorkload(MIB), httpWorkload(20 * MIB)].filter(
    (w) => values.only === undefined || w.name.toLowerCase() === values.only,
  );
  const cpu = await CpuGroups.create('walt-bench-floor');
  // Registered first, so removed last: once the servers are gone, the groups are empty.
  cleanup.push('cpu cgroups', () => cpu.remove());
  if (!(await cpu.sample()).groups.server)
    throw new Error('needs a writable cgroup v2 hierarchy (cpu.stat), see bench/boot-storm/cpu.ts');
  const work = await mkdtemp(path.join(os.tmpdir(), 'walt-bench-floor-'));
  cleanup.push('work directory', () => rm(work, { recursive: true, force: true }));
  cleanup.push('clients', () => Promise.resolve(clientsAbort.abort()));
  return { work, cpu, workloads: await writeFiles(work, workloads) };
}

interface Sample {
  wall: number;
  user: number;
  system: number;
}

/** K client loops, each M downloads one after the other. */
async function clientLoops(workload: Workload, server: Running, scratch: string): Promise<void> {
  const loop = async (k: number): Promise<void> => {
    for (let m = 0; m < workload.downloads; m++) await workload.fetch(server, path.join(scratch, `out-${k}`));
  };
  await Promise.all(Array.from({ length: workload.clients }, (_, k) => loop(k)));
}

/** Until the server completes a download (it is up), then until it is idle (settle). */
async function ready(workload: Workload, server: Running, bench: Bench, scratch: string): Promise<void> {
  await poll(
    'the server serving the file',
    async () => {
      server.alive();
      await workload.fetch(server, path.join(scratch, 'probe'));
      return true;
    },
    30000,
  );
  await bench.cpu.settle('server', 15000);
}

async function measure(bench: Bench, workload: Workload, spec: ServerSpec, file: string): Promise<Sample> {
  const scratch = await mkdtemp(path.join(bench.work, 'run-'));
  const server = await spec.start({ file, scratch, cpu: bench.cpu, cleanup });
  try {
    await ready(workload, server, bench, scratch);
    const before = await bench.cpu.sample();
    const started = performance.now();
    await clientLoops(workload, server, scratch);
    const wall = (performance.now() - started) / 1000;
    const used = cpuBetween(before, await bench.cpu.sample()).groups.server!;
    server.alive();
    return { wall, user: used.user, system: used.system };
  } catch (error) {
    throw new Error(`${workload.name} ${spec.label}: ${(error as Error).message}`, { cause: error });
  } finally {
    await server.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Columns padded to their widest cell: the first to the left, the others to the right. */
function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const line = (row: string[]): string =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('   ');
  return rows.map(line).join('\n');
}

function report(workload: Workload, samples: Map<string, Sample[]>): string {
  const { count, unit, scale } = workload.per;
  const per = (seconds: number): number => (seconds * scale) / count;
  const rows = workload.servers.map((spec) => {
    const runs = samples.get(spec.label) ?? [];
    const m = (f: (s: Sample) => number): number => median(runs.map(f));
    return {
      label: spec.label,
      wall: m((s) => s.wall),
      user: m((s) => s.user),
      system: m((s) => s.system),
      total: m((s) => s.user + s.system),
    };
  });
  const reference = rows[0]!.total;
  const header = ['server', 'wall s', `user ${unit}`, `sys ${unit}`, `total ${unit}`, 'vs reference'];
  const cells = rows.map((r) => [
    r.label,
    r.wall.toFixed(2),
    per(r.user).toFixed(2),
    per(r.system).toFixed(2),
    per(r.total).toFixed(2),
    (r.total / reference).toFixed(2),
  ]);
  const title = `${workload.name}: ${workload.title}, median of ${rounds}`;
  return `${title}\n${table([header, ...cells])}\n`;
}

/** The servers in round `round`'s order: rotated, so that a busy spell does not always hit the same. */
function rotated(servers: ServerSpec[], round: number): ServerSpec[] {
  const shift = (round - 1) % servers.length;
  return [...servers.slice(shift), ...servers.slice(0, shift)];
}

async function runWorkload(bench: Bench, workload: Workload, file: string): Promise<string> {
  const samples = new Map<string, Sample[]>(workload.servers.map((s) => [s.label, []]));
  for (let round = 1; round <= rounds; round++) {
    for (const spec of rotated(workload.servers, round)) {
      const s = await measure(bench, workload, spec, file);
      samples.get(spec.label)!.push(s);
      process.stderr.write(
        `${workload.name} ${spec.label} (round ${round}/${rounds}): wall ${s.wall.toFixed(2)} s, ` +
          `user ${s.user.toFixed(2)} s, sys ${s.system.toFixed(2)} s\n`,
      );
    }
  }
  return report(workload, samples);
}

async function main(): Promise<void> {
  const bench = await prepare();
  const reports: string[] = [];
  for (const { workload, file } of bench.workloads) reports.push(await runWorkload(bench, workload, file));
  console.log(reports.join('\n'));
}

// `on`, not `once`: under tsx a Ctrl-C arrives twice (from the terminal and relayed by tsx), and a
// second signal with no handler would end the process before the cleanup is done.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    process.stderr.write(`runtime-floor: ${signal}, cleaning up\n`);
    void cleanup.run().finally(() => process.exit(130));
  });
}

let code = 0;
try {
  await main();
} catch (error) {
  console.error(`runtime-floor: ${error instanceof Error ? error.message : String(error)}`);
  code = 1;
}
await cleanup.run();
process.exit(code);
