// bench/hostile-logs: the boot services' answer latency while the public log API is abused (issue 12:
// "DHCP answer and /healthz p99 under 100 ms during a regex bomb"). A private control plane, a
// WaltSegment with one known node, and the boot agent in the segment's network namespace, exactly as
// test/integration/agent-hostile-logs.test.ts starts it, over a log store of --lines lines (default
// 500 000, written before the agent starts). From a machine of the segment, probe.ts measures /healthz
// (every 20 ms) and DHCP DISCOVER → OFFER (every 50 ms) for --seconds each, in three phases, side by
// side:
//   idle        nothing else
//   regex bomb  2 clients sending line regexes built to be expensive (nested quantifiers, no literal
//               to search for) back to back, each a scan of the whole store
//   huge scan   2 clients streaming the whole store as NDJSON back to back
// and prints p50/p99/max per phase with the ratio to idle (p99), plus how many log answers each phase
// got and whether they were truncated by the budget (WALT_LOG_QUERY_BUDGET, default 10 s).
//
// Run (root, from the repository; package.json has no script for it):
//   node_modules/.bin/tsx bench/hostile-logs/run.ts [--lines 500000] [--seconds 10]
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { RESOURCES, type WaltSegment } from '../../api/v1alpha1/index.js';
import { ensureBinaries } from '../../local/controlplane/binaries.js';
import { startControlPlane, stopControlPlane } from '../../local/controlplane/controlplane.js';
import { installCrds } from '../../local/controlplane/crds.js';
import { openSqliteLogStore } from '../../log-store/sqlite-store.js';
import type { LogLine } from '../../log-store/store.js';
import { bridgeApiserver } from '../../local/lab/apiserver-bridge.js';
import { addClient, createSegment, destroySegment, exec, randomMac } from '../../test/support/netns.js';
import { Cleanup, killNamespaceProcesses, poll, startServer } from '../boot-storm/proc.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const SUBNET = '10.92.0.0/24';
const SERVER = '10.92.0.1';
const BROADCAST = '10.92.0.255';
const HEALTH_PORT = 18082;
const BOMBS = ['[a-c]{0,400}[d-f]{0,400}[xy]', '(.*a){20}[yz]', '(a|aa)*[bc]$', '^(\\w+\\s?)*[#%]$'];

const { values } = parseArgs({
  options: { lines: { type: 'string', default: '500000' }, seconds: { type: 'string', default: '10' } },
});
const LINES = Number(values.lines);
const SECONDS = Number(values.seconds);
if (!(Number.isInteger(LINES) && LINES >= 1000 && LINES <= 20_000_000) || !(SECONDS >= 1 && SECONDS <= 600)) {
  console.error('hostile-logs: --lines from 1000 to 20000000, --seconds from 1 to 600');
  process.exit(2);
}

interface Probe {
  healthz: number[];
  dhcp: number[];
  lost: { healthz: number; dhcp: number };
}

interface Phase {
  name: string;
  probe: Probe;
  answers: number;
  truncated: number;
  failed: number;
}

async function fillStore(file: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const store = openSqliteLogStore({ file });
  const t0 = Date.now() - 3_600_000;
  const pad = 'a'.repeat(100);
  for (let start = 0; start < LINES; start += 10_000) {
    const count = Math.min(10_000, LINES - start);
    const batch: LogLine[] = Array.from({ length: count }, (_, i) => ({
      ts: new Date(t0 + start + i),
      issuer: `node${(start + i) % 20}`,
      stream: `exp.s${(start + i) % 5}`,
      line: `line ${start + i} ${pad}`,
    }));
    await store.append(batch);
  }
  await store.close();
}

const quantile = (sorted: number[], q: number): number =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

function stats(values: number[]): { p50: number; p99: number; max: number; n: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    max: sorted.at(-1) ?? Number.NaN,
    n: sorted.length,
  };
}

function report(phases: Phase[]): void {
  const idle = phases[0]!;
  const f = (ms: number): string => (Number.isNaN(ms) ? '-' : ms.toFixed(1)).padStart(7);
  console.log(`\nhostile-logs: ${LINES} lines in the store, ${SECONDS} s per phase (ms)`);
  console.log(
    'phase        | healthz p50     p99     max  n    lost | dhcp p50     p99     max  n    lost | p99/idle h  d | log answers (truncated, failed)',
  );
  for (const phase of phases) {
    const h = stats(phase.probe.healthz);
    const d = stats(phase.probe.dhcp);
    const rh = h.p99 / stats(idle.probe.healthz).p99;
    const rd = d.p99 / stats(idle.probe.dhcp).p99;
    console.log(
      `${phase.name.padEnd(12)} | ${f(h.p50)} ${f(h.p99)} ${f(h.max)} ${String(h.n).padStart(4)} ${String(phase.probe.lost.healthz).padStart(4)} |` +
        ` ${f(d.p50)} ${f(d.p99)} ${f(d.max)} ${String(d.n).padStart(4)} ${String(phase.probe.lost.dhcp).padStart(4)} |` +
        ` ${rh.toFixed(1).padStart(5)} ${rd.toFixed(1).padStart(4)} | ${phase.answers} (${phase.truncated}, ${phase.failed})`,
    );
  }
}

async function main(): Promise<void> {
  const cleanup = new Cleanup();
  process.once('SIGINT', () => void cleanup.run().then(() => process.exit(130)));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'walt-hostile-logs-'));
  cleanup.push('work dir', () => rm(dir, { recursive: true, force: true }));
  try {
    process.stderr.write(`writing ${LINES} log lines…\n`);
    await fillStore(path.join(dir, 'cache', 'logs.sqlite'));
    const binDir = await ensureBinaries();
    const cp = await startControlPlane({
      name: `bench-hostile-${process.pid}`,
      binDir,
      ephemeral: true,
      ownerPid: process.pid,
    });
    cleanup.push('control plane', () => stopControlPlane(cp.name));
    await installCrds(binDir, cp.kubeconfig);
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(cp.kubeconfig);
    const api = kc.makeApiClient(k8s.CustomObjectsApi);
    const net = await createSegment({ subnet: SUBNET, serverIp: SERVER });
    cleanup.push('segment', () => destroySegment(net));
    const bridge = await bridgeApiserver(net.ns, kc.getCurrentCluster()!.server);
    cleanup.push('apiserver bridge', () => bridge.stop(), 5000);
    cleanup.push('control plane (before the bridge)', () => stopControlPlane(cp.name));
    cleanup.push('processes in the segment namespace', () => killNamespaceProcesses(net.ns));
    const mac = randomMac('52:54:00');
    const meta = { apiVersion: 'walt.dev/v1alpha1' };
    await api.createClusterCustomObject({
      ...RESOURCES.segment,
      body: {
        ...meta,
        kind: 'WaltSegment',
        metadata: { name: 'hostile' },
        spec: {
          interface: net.bridge,
          subnet: SUBNET,
          serverAddress: SERVER,
          dhcp: { mode: 'authoritative', range: { start: '10.92.0.100', end: '10.92.0.199' } },
          autoRegister: false,
        },
      },
    });
    await api.createClusterCustomObject({
      ...RESOURCES.node,
      body: {
        ...meta,
        kind: 'WaltNode',
        metadata: { name: 'probe' },
        spec: { mac, model: 'pc-x86-64', segment: 'hostile' },
      },
    });
    const agent = startServer(
      {
        name: 'agent',
        ns: net.ns,
        command: [
          tsx,
          path.join(root, 'agents', 'main.ts'),
          ...['--segment', 'hostile', '--boot', '--cache-dir', path.join(dir, 'cache')],
          ...[
            '--health-port',
            String(HEALTH_PORT),
            '--lease-namespace',
            'default',
            '--identity',
            'agent-hostile',
          ],
        ],
        env: { ...process.env, KUBECONFIG: cp.kubeconfig, WALT_LOG_LEVEL: 'warn' },
      },
      cleanup,
    );
    await poll(
      'the agent heartbeat',
      async () =>
        ((await api.getClusterCustomObject({ ...RESOURCES.segment, name: 'hostile' })) as WaltSegment).status
          ?.agent?.lastHeartbeat,
      90000,
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\n--- agent log ---\n${agent.log().slice(-4000)}`);
    });
    const client = await addClient(net, { mac });
    await exec(client.ns, 'ip', ['addr', 'add', '10.92.0.50/24', 'dev', client.ifname]);
    await poll(
      'the log API',
      async () => (
        await exec(client.ns, 'curl', ['-sf', `http://${SERVER}/api/v1/logs/query?limit=1`]),
        true
      ),
      30000,
    );

    const phases: Phase[] = [];
    phases.push(await phase('idle', client.ns, mac, { urls: [] }));
    const bombUrls = BOMBS.map((b) => `http://${SERVER}/api/v1/logs/query?line=${encodeURIComponent(b)}`);
    phases.push(await phase('regex bomb', client.ns, mac, { urls: bombUrls }));
    phases.push(
      await phase('huge scan', client.ns, mac, {
        urls: [`http://${SERVER}/api/v1/logs/query`],
        ndjson: true,
      }),
    );
    report(phases);
  } finally {
    await cleanup.run();
  }
}

/** Probes for SECONDS while 2 loops send `urls` (in turn) to the log API from the same machine. */
async function phase(
  name: string,
  ns: string,
  mac: string,
  load: { urls: string[]; ndjson?: boolean },
): Promise<Phase> {
  const { urls, ndjson = false } = load;
  process.stderr.write(`phase ${name}…\n`);
  const result: Phase = {
    name,
    probe: { healthz: [], dhcp: [], lost: { healthz: 0, dhcp: 0 } },
    answers: 0,
    truncated: 0,
    failed: 0,
  };
  let running = urls.length > 0;
  let next = 0;
  const loop = async (): Promise<void> => {
    while (running) {
      const url = urls[next++ % urls.length]!;
      const accept = ndjson ? `-H 'accept: application/x-ndjson'` : '';
      // Only the end of the answer matters (it says whether the budget cut it).
      const command = `curl -s --max-time 120 ${accept} '${url}' | tail -c 300`;
      const { stdout } = await exec(ns, 'sh', ['-c', command], 130000).catch(() => ({ stdout: '' }));
      result.answers++;
      if (stdout.includes('"truncated":true,"reason":"time-budget"')) result.truncated++;
      else if (ndjson ? !stdout.endsWith('"}\n') : !stdout.includes('"truncated":false')) result.failed++;
    }
  };
  const loops = running ? [loop(), loop()] : [];
  if (running) await new Promise((r) => setTimeout(r, 500)); // the scans are under way
  result.probe = await runProbe(ns, mac);
  running = false;
  await Promise.all(loops);
  return result;
}

function runProbe(ns: string, mac: string): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'ip',
      [
        'netns',
        'exec',
        ns,
        tsx,
        path.join(root, 'bench', 'hostile-logs', 'probe.ts'),
        SERVER,
        BROADCAST,
        // The HTTP service's /healthz on the lab address: the same event loop as the agent's own
        // health server, which listens on loopback only (not reachable from the segment).
        '80',
        mac,
        String(SECONDS * 1000),
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out) as Probe) : reject(new Error(`probe exited ${code}`)),
    );
  });
}

await main();
