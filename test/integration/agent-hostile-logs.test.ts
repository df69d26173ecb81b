// Regex bombs against the real boot agent (its own process in the segment's network namespace, the
// cluster state from the real apiserver), on a log store of many lines: each bomb is answered (200 with
// the right lines, truncated by the time budget, or a coded 400), and while bombs run the agent still
// answers /healthz and a DHCP exchange of a reference client (udhcpc). No timing threshold: the figures
// are bench/hostile-logs's.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { RESOURCES, type WaltSegment } from '../../api/v1alpha1/index.js';
import { openSqliteLogStore } from '../../log-store/sqlite-store.js';
import type { LogLine } from '../../log-store/store.js';
import { bridgeApiserver, type ApiserverBridge } from '../../local/lab/apiserver-bridge.js';
import { udhcpc } from '../support/dhcp-clients.js';
import {
  addClient,
  createSegment,
  destroySegment,
  exec,
  randomMac,
  type Client,
  type Segment,
} from '../support/netns.js';
import { stop } from '../support/fault-processes.js';
import { startSegmentAgent, withAgentLog, type SegmentAgent } from '../support/segment-agent.js';
import { waitFor } from '../support/wait.js';
import { kubeConfig, uniqueName } from './support/cluster.js';

const SERVER = '10.91.0.1';
const HEALTH_PORT = 18082;
const LINES = 200_000;
const PAD = 'a'.repeat(100);
/** Nearly matched by every line, and no literal RE2 could search for first: each line costs RE2 a pass. */
const BOMB = '[a-c]{0,400}[d-f]{0,400}[xy]';

/** A store of many lines, written before the agent starts (it opens <cache>/logs.sqlite). */
async function fillStore(file: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const store = openSqliteLogStore({ file });
  const t0 = Date.now() - 3_600_000;
  for (let start = 0; start < LINES; start += 10_000) {
    const batch: LogLine[] = Array.from({ length: 10_000 }, (_, i) => ({
      ts: new Date(t0 + start + i),
      issuer: `node${(start + i) % 10}`,
      stream: 'exp.bulk',
      line: `line ${start + i} ${PAD}`,
    }));
    await store.append(batch);
  }
  await store.append([
    { ts: new Date(t0 + LINES), issuer: 'bomber', stream: 'exp.bomb', line: `${PAD.repeat(40)}x` },
  ]);
  await store.close();
}

interface Answer {
  status: number;
  body: string;
}

describe('the boot agent under regex bombs', () => {
  const kc = kubeConfig();
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const segmentName = uniqueName('hostile');
  const macs = [randomMac('52:54:00'), randomMac('52:54:00')];
  let net: Segment;
  let bridge: ApiserverBridge;
  let agent: SegmentAgent | undefined;
  let dir: string;
  let client: Client;
  let prober: Client;

  const curl = async (url: string, timeoutS = 120): Promise<Answer> => {
    const { stdout } = await exec(
      client.ns,
      'curl',
      ['-s', '--max-time', String(timeoutS), '-w', '\n%{http_code}', url],
      (timeoutS + 10) * 1000,
    );
    const cut = stdout.lastIndexOf('\n');
    return { status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut) };
  };
  const query = (qs: string): Promise<Answer> => curl(`http://${SERVER}/api/v1/logs/query?${qs}`);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'walt-hostile-logs-'));
    await fillStore(path.join(dir, 'cache', 'logs.sqlite'));
    net = await createSegment({ subnet: '10.91.0.0/24', serverIp: SERVER });
    bridge = await bridgeApiserver(net.ns, kc.getCurrentCluster()!.server);
    await api.createClusterCustomObject({
      ...RESOURCES.segment,
      body: {
        apiVersion: 'walt.dev/v1alpha1',
        kind: 'WaltSegment',
        metadata: { name: segmentName },
        spec: {
          interface: net.bridge,
          subnet: '10.91.0.0/24',
          serverAddress: SERVER,
          dhcp: { mode: 'authoritative', range: { start: '10.91.0.100', end: '10.91.0.199' } },
          autoRegister: false,
        },
      },
    });
    for (const [i, mac] of macs.entries()) {
      await api.createClusterCustomObject({
        ...RESOURCES.node,
        body: {
          apiVersion: 'walt.dev/v1alpha1',
          kind: 'WaltNode',
          metadata: { name: `${segmentName}-n${i}` },
          spec: { mac, model: 'pc-x86-64', segment: segmentName },
        },
      });
    }
    agent = await startSegmentAgent({
      admin: kc,
      dir,
      ns: net.ns,
      segment: segmentName,
      cacheDir: path.join(dir, 'cache'),
      identity: 'agent-hostile',
      args: ['--health-port', String(HEALTH_PORT)],
      // A long budget: the bombs run for seconds instead of being cut at once.
      env: { WALT_LOG_LEVEL: 'warn', WALT_LOG_QUERY_BUDGET: '60s' },
    });
    const getSegment = (): Promise<WaltSegment> =>
      api.getClusterCustomObject({ ...RESOURCES.segment, name: segmentName }) as Promise<WaltSegment>;
    await waitFor(
      'the agent heartbeat',
      async () => (await getSegment()).status?.agent?.lastHeartbeat,
      60000,
    ).catch((error: unknown) => {
      throw withAgentLog(agent, error);
    });
    // A machine of the segment with an address, to talk HTTP; another one for DHCP exchanges.
    client = await addClient(net, { mac: macs[0] });
    await udhcpc(dir, client, [], { configure: true });
    prober = await addClient(net, { mac: macs[1] });
  }, 180000);

  afterAll(async () => {
    await stop(agent);
    for (const [i] of macs.entries()) {
      await api
        .deleteClusterCustomObject({ ...RESOURCES.node, name: `${segmentName}-n${i}` })
        .catch(() => undefined);
    }
    await api.deleteClusterCustomObject({ ...RESOURCES.segment, name: segmentName }).catch(() => undefined);
    await bridge?.stop();
    if (net) await destroySegment(net);
    await rm(dir, { recursive: true, force: true });
  }, 60000);

  it('answers each bomb with the right lines, or truncated, or a coded 400', async () => {
    for (const [line, issuer] of [
      ['(.%2B)%2Bx', ''],
      ['(a|a)*x', ''],
      ['^(a*)*%24', 'issuer=bomber&'],
      [encodeURIComponent(BOMB), ''],
    ] as const) {
      const answer = await query(`${issuer}line=${line}`);
      expect({ line, status: answer.status }).toEqual({ line, status: 200 });
      const body = JSON.parse(answer.body) as {
        logs: { line: string }[];
        truncated: boolean;
        reason?: string;
      };
      // Only the bomber's line ends with x; none is made of a's only.
      const want = line === '^(a*)*%24' ? 0 : 1;
      if (body.truncated) expect(body.reason).toBe('time-budget');
      else expect({ line, count: body.logs.length }).toEqual({ line, count: want });
      expect(body.logs.every((l) => l.line.endsWith('x'))).toBe(true);
    }
    for (const [qs, code] of [
      ['line=(a)%5C1', 'WALT_ERR_LOGS_REGEX_UNSUPPORTED'],
      ['line=(%3F%3C%3Dline)x', 'WALT_ERR_LOGS_REGEX_UNSUPPORTED'],
      ['line=(abc%7B1000%7D)%7B1000%7D', 'WALT_ERR_LOGS_REGEX_TOO_LARGE'],
      ['limit=-1', 'WALT_ERR_HTTP_INVALID_REQUEST'],
    ] as const) {
      const answer = await query(qs);
      expect({
        qs,
        status: answer.status,
        code: (JSON.parse(answer.body) as { error: string }).error,
      }).toEqual({
        qs,
        status: 400,
        code,
      });
    }
  }, 300000);

  it('answers /healthz and a DHCP exchange while bombs run', async () => {
    // Given bombs running back to back over the whole store
    let inFlight = 0;
    let running = true;
    const answers: Answer[] = [];
    const bombs = [0, 1].map(async () => {
      while (running) {
        inFlight++;
        answers.push(await query(`line=${encodeURIComponent(BOMB)}`).finally(() => inFlight--));
      }
    });
    await new Promise((r) => setTimeout(r, 1000));
    // When a machine asks /healthz and a node asks for an address
    const seen: { probe: string; ok: boolean; bombsRunning: number }[] = [];
    for (let i = 0; i < 3; i++) {
      // The agent's own health server listens on loopback in its namespace, off the lab network.
      const health = await exec(net.ns, 'curl', [
        '-s',
        '--max-time',
        '30',
        `http://127.0.0.1:${HEALTH_PORT}/healthz`,
      ]);
      seen.push({
        probe: 'healthz',
        ok: (JSON.parse(health.stdout) as { ok?: boolean }).ok === true,
        bombsRunning: inFlight,
      });
      const env = await udhcpc(dir, prober, []);
      seen.push({ probe: 'dhcp', ok: /^10\.91\.0\.\d+$/.test(env.ip ?? ''), bombsRunning: inFlight });
    }
    running = false;
    await Promise.all(bombs);
    // Then each was answered while a bomb was under way
    for (const s of seen)
      expect({ ...s, bombsRunning: s.bombsRunning > 0 }).toEqual({
        probe: s.probe,
        ok: true,
        bombsRunning: true,
      });
    // And the bombs themselves were answered: the bomber's line, or truncated by the budget
    expect(answers.length).toBeGreaterThan(0);
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      const body = JSON.parse(answer.body) as { logs: { line: string }[]; truncated: boolean };
      expect(body.truncated || body.logs.length === 1).toBe(true);
    }
  }, 600000);

  it('ran as its own ServiceAccount, never refused by the apiserver', () => {
    expect(agent!.refusals()).toEqual([]);
  });
});
