// IPv6 router advertisements of the real agent (agents/ra), seen by receivers that are not ours: ndisc6's
// `rdisc6` solicits and decodes the advertisement, and the kernel of a client namespace configures
// itself from it (SLAAC) and reaches the agent over the advertised prefix. The agent runs as in the lab
// (local/lab: its own namespace, the segment's ServiceAccount); the prefix is the segment's stable
// unique local /64 (agents/ra/ula.ts), advertised for SLAAC only (dnsmasq `ra-only`: no DHCPv6 flags).
// The dnsmasq that sends them, killed -9, is started again by the agent.
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { RESOURCES } from '../../api/v1alpha1/index.js';
import { segmentUla } from '../../agents/ra/ula.js';
import { startLab, tailOf, type Lab } from '../../local/lab/lab.js';
import { applyAll, labSegment } from '../../local/lab/resources.js';
import type { LabNetwork } from '../../local/lab/netns.js';
import { pidsNamed } from '../support/fault-lab.js';
import { labAsSegment, removeLabClients } from '../support/lab-clients.js';
import { addClient, exec, type Client, type Segment } from '../support/netns.js';
import { waitFor } from '../support/wait.js';
import { kubeConfig, uniqueName } from './support/cluster.js';

const RDISC6 = '/usr/bin/rdisc6';

/** rdisc6's "Name : value" lines, the first of each name (one advertisement, one prefix). */
function fieldsOf(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^\s*([^:]+?)\s*:\s*(.+?)\s*$/.exec(line);
    if (match && !fields.has(match[1]!)) fields.set(match[1]!, match[2]!);
  }
  return fields;
}

/** The modified EUI-64 interface identifier of a MAC (RFC 4291 appendix A), as four hex groups. */
function eui64(mac: string): string {
  const b = mac.split(':').map((x) => parseInt(x, 16));
  const bytes = [b[0]! ^ 0x02, b[1]!, b[2]!, 0xff, 0xfe, b[3]!, b[4]!, b[5]!];
  const groups = [0, 2, 4, 6].map((i) => ((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return groups.join(':');
}

describe('IPv6 router advertisements of the agent, received by rdisc6 and by the kernel (SLAAC)', () => {
  const kc = kubeConfig();
  const segment = uniqueName('ra');
  const network: LabNetwork = { ns: `wra-${process.pid}`, bridge: 'br0', address: '10.75.0.1/24' };
  const ula = segmentUla(segment);
  const prefix = ula.prefix.replace(/::$/, '');
  let lab: Lab;
  let net: Segment;
  let client: Client;
  let dir: string;

  const explain = (error: unknown): Error =>
    new Error(`${(error as Error).message}\n--- agent log ---\n${tailOf(lab.agentLogFile)}`);

  beforeAll(async () => {
    await access(RDISC6).catch(() => {
      throw new Error(`${RDISC6} is missing: run local/install-deps.sh (or apt-get install -y ndisc6)`);
    });
    dir = await mkdtemp(path.join(os.tmpdir(), 'walt-ra-'));
    lab = await startLab({ kc, workDir: dir, segment, network });
    await applyAll(kc, [
      labSegment(segment, { bridge: 'br0', subnet: '10.75.0.0/24', serverAddress: '10.75.0.1' }),
    ]);
    net = labAsSegment(network, '10.75.0.0/24');
    client = await addClient(net);
  }, 120_000);

  afterAll(async () => {
    if (net) await removeLabClients(net);
    // The segment is cluster-wide: left behind, its dead agent URL would be every later suite's
    // problem (a log read across segments warns about it, a checkpoint write fails on it).
    await kc
      .makeApiClient(k8s.CustomObjectsApi)
      .deleteClusterCustomObject({ ...RESOURCES.segment, name: segment })
      .catch(() => undefined);
    await lab?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  /** One advertisement as rdisc6 decodes it, asking until one comes (the agent advertises once it leads). */
  const solicit = (what: string): Promise<string> =>
    waitFor(
      what,
      () =>
        exec(client.ns, RDISC6, ['-1', '-w', '1000', '-r', '2', client.ifname]).then(
          (r) => (r.stdout.includes(' Prefix') ? r.stdout : undefined),
          () => undefined,
        ),
      60_000,
    ).catch((error: unknown) => {
      throw explain(error);
    });

  it("advertises the segment's /64, on-link and for autoconfiguration, without DHCPv6 flags", async () => {
    // rdisc6 solicits (RS to ff02::2) and prints the first advertisement
    const answer = await solicit('a router advertisement');
    const fields = fieldsOf(answer);
    expect(fields.get('Prefix')).toBe(`${ula.prefix}/64`);
    expect(fields.get('On-link')).toBe('Yes');
    expect(fields.get('Autonomous address conf.')).toBe('Yes');
    // ra-only: addresses by SLAAC, no stateful DHCPv6 (M) nor other configuration (O)
    expect(fields.get('Stateful address conf.')).toBe('No');
    expect(fields.get('Stateful other conf.')).toBe('No');
    // Sent from the agent's link-local address on the segment
    expect(answer).toMatch(/^\s*from fe80::\S+/m);
  });

  it('lets a client configure an address from the prefix (SLAAC) and reach the agent over it', async () => {
    const expected = `${prefix}:${eui64(client.mac)}`;
    const address = await waitFor(
      'a SLAAC address on the client',
      async () => {
        const shown = (
          await exec(client.ns, 'ip', ['-6', '-o', 'addr', 'show', 'dev', client.ifname, 'scope', 'global'])
        ).stdout;
        // Usable once duplicate address detection is over (no longer "tentative")
        const line = shown.split('\n').find((l) => l.includes('dynamic') && !l.includes('tentative'));
        return line === undefined ? undefined : /inet6 (\S+)\/64/.exec(line)?.[1];
      },
      60_000,
    ).catch((error: unknown) => {
      throw explain(error);
    });
    expect(address).toBe(expected);
    // The agent holds ::1 of the prefix: reachable from the autoconfigured address
    const ping = await exec(client.ns, 'busybox', [
      'ping',
      '-6',
      '-c',
      '1',
      '-W',
      '5',
      '-I',
      address,
      ula.address,
    ]);
    expect(ping.stdout).toMatch(/^1 packets transmitted, 1 packets received/m);
  });

  it('advertises again after its dnsmasq is killed -9 (the agent restarts it)', async () => {
    // Given the one dnsmasq of the agent's namespace (RA only)
    const [before, ...others] = await pidsNamed(network.ns, ['dnsmasq']);
    expect(before).toBeDefined();
    expect(others).toEqual([]);
    // When it is killed
    process.kill(before!, 'SIGKILL');
    // Then another one runs and the prefix is advertised again
    const after = await waitFor('a new dnsmasq', async () => {
      const pids = await pidsNamed(network.ns, ['dnsmasq']);
      return pids.length === 1 && pids[0] !== before ? pids[0] : undefined;
    }).catch((error: unknown) => {
      throw explain(error);
    });
    expect(after).not.toBe(before);
    expect(fieldsOf(await solicit('an advertisement after the kill')).get('Prefix')).toBe(`${ula.prefix}/64`);
    // And it was the agent's supervision that restarted it (not a later segment change re-applied)
    const restarted = (await readFile(lab.agentLogFile, 'utf8'))
      .split('\n')
      .filter((line) => line.includes('restarting dnsmasq') && line.includes('"SIGKILL"'));
    expect(restarted).toHaveLength(1);
  });
});
