// bench/boot-storm: N simulated PXE clients (default 200), each in its own network namespace on the
// segment bridge, all at once: DHCP as iPXE (busybox udhcpc), a 1 MiB TFTP download, a 20 MiB HTTP
// download. Against our boot agent (in its namespace, real apiserver, image from a real registry) and,
// in the same run on the same namespaces, dnsmasq (DHCP + TFTP) + busybox httpd. Prints the wall time
// from the first start to the last completion, ok/total, per-client p50/p95 and the ratio.
// Run: npx tsx bench/boot-storm/run.ts [-- --clients 20]
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createSegment, destroySegment } from '../../test/support/netns.js';
import { createClients, storm, writeDhcpScript, type StormResult } from './clients.js';
import { createResources, nodeName, startAgent, startCluster, type Files, type SegmentPlan } from './ours.js';
import { Cleanup } from './proc.js';
import { startReference } from './reference.js';
import { report } from './report.js';

const { values } = parseArgs({ options: { clients: { type: 'string', default: '200' } } });
const count = Number(values.clients);
if (!Number.isInteger(count) || count < 1 || count > 760) {
  console.error(
    'boot-storm: --clients must be an integer from 1 to 760 (the DHCP range holds 762 addresses)',
  );
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
  process.stderr.write(`${label}: ${r.seconds.toFixed(2)} s, ${ok}/${r.results.length} ok\n`);
}

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'walt-bench-storm-'));
  cleanup.push('work directory', () => rm(work, { recursive: true, force: true }));
  await chmod(work, 0o755);
  const refDir = path.join(work, 'reference');
  await mkdir(refDir, { recursive: true });
  await writeFile(path.join(refDir, files.tftpName), files.tftp);
  await writeFile(path.join(refDir, files.httpName), files.http);
  const script = await writeDhcpScript(work);

  const net = await setup('segment namespace', () =>
    createSegment({ subnet: plan.subnet, serverIp: plan.server }),
  );
  cleanup.push('namespaces', () => destroySegment(net));
  const clients = await setup(`${count} client namespaces`, () => createClients(net, count));
  const cluster = await setup('control plane, registry, image, operator', () =>
    startCluster(cleanup, net, work, files),
  );
  await setup('WaltImage, WaltSegment, WaltNodes', () => createResources(cluster, plan, count));
  const agent = await setup('boot agent ready (heartbeat, image Ready, HTTP)', () =>
    startAgent(cluster, net, plan, {
      cacheDir: path.join(work, 'cache'),
      probeUrl: `http://${plan.server}/boot/${nodeName(0)}/${files.httpName}`,
      cleanup,
    }),
  );

  const ctx = { dir: work, script, server: plan.server };
  const ours = await storm(clients, ctx, {
    tftpFile: files.tftpName,
    tftpSize: files.tftp.length,
    httpUrl: (i) => `http://${plan.server}/boot/${nodeName(i)}/${files.httpName}`,
    httpSize: files.http.length,
  });
  progress('ours', ours);
  await agent.stop();

  const reference = await setup('dnsmasq + busybox httpd', () =>
    startReference(
      {
        ns: net.ns,
        server: plan.server,
        range: plan.range,
        leaseFile: path.join(work, 'dnsmasq.leases'),
        dir: refDir,
        tftpName: files.tftpName,
        httpName: files.httpName,
        maxTransfers: count + 10,
      },
      cleanup,
    ),
  );
  const ref = await storm(clients, ctx, {
    tftpFile: files.tftpName,
    tftpSize: files.tftp.length,
    httpUrl: () => `http://${plan.server}/${files.httpName}`,
    httpSize: files.http.length,
  });
  progress('dnsmasq+httpd', ref);
  if (ref.results.some((c) => !c.ok))
    process.stderr.write(`--- dnsmasq log (tail) ---\n${reference.servers[0]!.log().slice(-3000)}\n`);
  await reference.stop();
  console.log(report(count, ours, ref));
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
