// bench/boot-storm: N simulated PXE clients (default 200), each in its own network namespace on the
// segment bridge, all at once: DHCP as iPXE (busybox udhcpc), a 1 MiB TFTP download, a 20 MiB HTTP
// download. Against our boot agent (in its namespace, real apiserver, image from a real registry) and,
// in the same run on the same namespaces, dnsmasq (DHCP + TFTP) + busybox httpd. Prints the wall time
// from the first start to the last completion, ok/total, per-client and per-step p50/p95, when each
// step ran, the CPU seconds of the servers, the clients and the rest of the machine (cpu.ts), and the
// ratio. On a small machine the storm is CPU-bound: the servers' CPU seconds decide the ratio.
// With --phased, all clients go through DHCP, then all through TFTP, then all through HTTP: the wall
// time and CPU seconds of each phase, on each side. BOOT_STORM_AGENT_PROFILE=<dir> writes a V8 CPU
// profile of the agent (profile-hook.ts); the monotonic start printed on stderr lines up with
// `perf record -k mono`.
// --rounds N runs N rounds, each ours and the reference (the agent restarted each time; even rounds
// start with the reference), and prints each round's ratio and their median: on a shared machine, one
// round says little.
// Run: npm run bench:boot-storm [-- --clients 20] [--phased] [--rounds 3]
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createSegment, destroySegment, type Client, type Segment } from '../../test/support/netns.js';
import { CpuGroups } from './cpu.js';
import { createClients, storm, writeDhcpScript, type StormOptions, type StormResult } from './clients.js';
import {
  createResources,
  nodeName,
  startAgent,
  startCluster,
  type Cluster,
  type Files,
  type SegmentPlan,
} from './ours.js';
import { Cleanup } from './proc.js';
import { startReference } from './reference.js';
import { report, summary, type Round } from './report.js';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '200' },
    phased: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '1' },
  },
});
const count = Number(values.clients);
if (!Number.isInteger(count) || count < 1 || count > 760) {
  console.error(
    'boot-storm: --clients must be an integer from 1 to 760 (the DHCP range holds 762 addresses)',
  );
  process.exit(2);
}
const roundCount = Number(values.rounds);
if (!Number.isInteger(roundCount) || roundCount < 1) {
  console.error('boot-storm: --rounds must be a positive integer');
  process.exit(2);
}

const plan: SegmentPlan = {
  name: `storm-${randomBytes(3).toString('hex')}`,
  subnet: '10.80.0.0/22',
  server: '10.80.0.1',
  range: { start: '10.80.1.0', end: '10.80.3.250' },
};
const files: Files = {
  tftpName: 'tftp-1m.bin',
  tftp: randomBytes(1024 * 1024),
  httpName: 'http-20m.bin',
  http: randomBytes(20 * 1024 * 1024),
};
const cleanup = new Cleanup();

/** Runs a setup step; a failure names the step. */
async function setup<T>(what: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    const value = await work();
    process.stderr.write(`setup: ${what} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
    return value;
  } catch (error) {
    throw new Error(`setup failed: ${what}: ${(error as Error).message}`, { cause: error });
  }
}

function progress(label: string, r: StormResult): void {
  const ok = r.results.filter((c) => c.ok).length;
  process.stderr.write(
    `${label}: ${r.seconds.toFixed(2)} s, ${ok}/${r.results.length} ok (from ${r.origin.toFixed(3)} s monotonic)\n`,
  );
}

interface Bench {
  work: string;
  refDir: string;
  net: Segment;
  clients: Client[];
  cluster: Cluster;
  options: StormOptions & { cpu: CpuGroups };
  wrapServer: (argv: string[]) => string[];
}

/** Namespaces, files, cgroups, control plane and resources: everything the rounds share. */
async function prepare(): Promise<Bench> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'walt-bench-storm-'));
  cleanup.push('work directory', () => rm(work, { recursive: true, force: true }));
  await chmod(work, 0o755);
  const refDir = path.join(work, 'reference');
  await mkdir(refDir, { recursive: true });
  await writeFile(path.join(refDir, files.tftpName), files.tftp);
  await writeFile(path.join(refDir, files.httpName), files.http);
  const script = await writeDhcpScript(work);
  const cpu = await CpuGroups.create('walt-bench-storm');
  // Registered first, so it runs last: the groups are empty once the servers and clients are gone.
  cleanup.push('cpu cgroups', () => cpu.remove());
  const net = await setup('segment namespace', () =>
    createSegment({ subnet: plan.subnet, serverIp: plan.server }),
  );
  cleanup.push('namespaces', () => destroySegment(net));
  const clients = await setup(`${count} client namespaces`, () => createClients(net, count));
  const cluster = await setup('control plane, registry, image, operator', () =>
    startCluster(cleanup, net, work, files),
  );
  await setup('WaltImage, WaltSegment, WaltNodes', () => createResources(cluster, plan, count));
  const options = { dir: work, script, server: plan.server, phased: values.phased, cpu };
  return { work, refDir, net, clients, cluster, options, wrapServer: (argv) => cpu.wrap('server', argv) };
}

/** The servers idle before a storm starts (see CpuGroups.settle). */
async function settle(bench: Bench, label: string): Promise<void> {
  const waited = await bench.options.cpu.settle('server');
  process.stderr.write(`${label}: servers idle after ${waited.toFixed(1)} s\n`);
}

async function runOurs(bench: Bench, round: string): Promise<StormResult> {
  const agent = await setup(`boot agent ready (heartbeat, image Ready, HTTP)${round}`, () =>
    startAgent(bench.cluster, bench.net, plan, {
      cacheDir: path.join(bench.work, 'cache'),
      probeUrl: `http://${plan.server}/boot/${nodeName(0)}/${files.httpName}`,
      cleanup,
      wrap: bench.wrapServer,
    }),
  );
  try {
    await settle(bench, `ours${round}`);
    const ours = await storm(bench.clients, bench.options, {
      tftpFile: files.tftpName,
      tftpSize: files.tftp.length,
      httpUrl: (i) => `http://${plan.server}/boot/${nodeName(i)}/${files.httpName}`,
      httpSize: files.http.length,
    });
    progress(`ours${round}`, ours);
    return ours;
  } finally {
    await agent.stop();
  }
}

async function runReference(bench: Bench, round: string): Promise<StormResult> {
  const reference = await setup(`dnsmasq + busybox httpd${round}`, () =>
    startReference(
      {
        ns: bench.net.ns,
        server: plan.server,
        range: plan.range,
        leaseFile: path.join(bench.work, 'dnsmasq.leases'),
        dir: bench.refDir,
        tftpName: files.tftpName,
        httpName: files.httpName,
        maxTransfers: count + 10,
        wrap: bench.wrapServer,
      },
      cleanup,
    ),
  );
  try {
    await settle(bench, `dnsmasq+httpd${round}`);
    const ref = await storm(bench.clients, bench.options, {
      tftpFile: files.tftpName,
      tftpSize: files.tftp.length,
      httpUrl: () => `http://${plan.server}/${files.httpName}`,
      httpSize: files.http.length,
    });
    progress(`dnsmasq+httpd${round}`, ref);
    if (ref.results.some((c) => !c.ok))
      process.stderr.write(`--- dnsmasq log (tail) ---\n${reference.servers[0]!.log().slice(-3000)}\n`);
    return ref;
  } finally {
    await reference.stop();
  }
}

/** One round: ours then the reference, or the other way round (even rounds), so drift hits both. */
async function runRound(bench: Bench, i: number): Promise<Round> {
  const label = roundCount > 1 ? ` (round ${i}/${roundCount})` : '';
  if (i % 2 === 0) {
    const reference = await runReference(bench, label);
    return { ours: await runOurs(bench, label), reference };
  }
  const ours = await runOurs(bench, label);
  return { ours, reference: await runReference(bench, label) };
}

/** Rounds alternate ours and the reference, so that a busy spell on the machine hits both alike. */
async function main(): Promise<void> {
  const bench = await prepare();
  const rounds: Round[] = [];
  for (let i = 1; i <= roundCount; i++) {
    const { ours, reference } = await runRound(bench, i);
    rounds.push({ ours, reference });
    console.log(`${roundCount > 1 ? `--- round ${i}/${roundCount}\n` : ''}${report(count, ours, reference)}`);
  }
  if (roundCount > 1) console.log(summary(rounds));
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`boot-storm: ${signal}, cleaning up\n`);
    void cleanup.run().finally(() => process.exit(130));
  });
}

let code = 0;
try {
  await main();
} catch (error) {
  console.error(`boot-storm: ${error instanceof Error ? error.message : String(error)}`);
  code = 1;
}
await cleanup.run();
process.exit(code);
