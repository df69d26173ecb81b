// NAT of the real agent, on real processes: a node (a client namespace on the segment bridge, leased
// by the agent's DHCP with the router option, default route set from it as a node's DHCP client does)
// reaches an address in another namespace (the "internet", with no route back to the lab) only through
// the masquerade of the agent's namespace: the far side sees the agent's uplink address. The agent's
// nftables table is read back with `nft -j list table`; NAT disabled, or no uplink, and the node cannot
// get out, the table is gone and the segment's Nat condition says why.
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { RESOURCES, type WaltSegment } from '../../api/v1alpha1/index.js';
import { bridgeApiserver, type ApiserverBridge } from '../../local/lab/apiserver-bridge.js';
import { udhcpc } from '../support/dhcp-clients.js';
import { stop } from '../support/fault-processes.js';
import { createInternet, destroyInternet, setDefaultRoute, type Internet } from '../support/nat-internet.js';
import {
  addClient,
  createSegment,
  destroySegment,
  exec,
  randomMac,
  type Client,
  type Segment,
} from '../support/netns.js';
import { startSegmentAgent, withAgentLog, type SegmentAgent } from '../support/segment-agent.js';
import { waitFor } from '../support/wait.js';
import { kubeConfig, uniqueName } from './support/cluster.js';

const SERVER = '10.83.0.1';
const LINK = '198.51.100';
const FAR = '203.0.113.80';
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

interface NftObject {
  table?: { family: string; name: string };
  set?: { name: string; elem?: string[] };
  rule?: { chain: string; expr: Array<Record<string, unknown>> };
}

describe('NAT of the real agent (nftables in its namespace)', () => {
  const kc = kubeConfig();
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const segmentName = uniqueName('nat');
  const nodeName = uniqueName('nat-node');
  const nodeMac = randomMac('52:54:00');
  let net: Segment;
  let internet: Internet;
  let bridge: ApiserverBridge;
  let agent: SegmentAgent;
  let node: Client;
  let dir: string;
  let nodeIp = '';

  const segment = async (): Promise<WaltSegment> =>
    (await api.getClusterCustomObject({ ...RESOURCES.segment, name: segmentName })) as WaltSegment;
  const natCondition = async (): Promise<{ status?: string; reason?: string } | undefined> =>
    (await segment()).status?.conditions?.find((c) => c.type === 'Nat');
  const patchSegment = (spec: object): Promise<unknown> =>
    api.patchClusterCustomObject({ ...RESOURCES.segment, name: segmentName, body: { spec } }, mergePatch);

  /** `nft -j list table ip walt_nat` in the agent's namespace; undefined when there is no such table. */
  async function natTable(): Promise<NftObject[] | undefined> {
    const listed = await exec(net.ns, 'nft', ['-j', 'list', 'table', 'ip', 'walt_nat']).catch(
      () => undefined,
    );
    return listed ? (JSON.parse(listed.stdout) as { nftables: NftObject[] }).nftables : undefined;
  }

  /** What the far side answers the node: the source address it saw, or undefined when unreachable. */
  async function fromNode(client: Client = node): Promise<string | undefined> {
    const url = `http://${FAR}:${internet.farPort}/`;
    const got = await exec(client.ns, 'curl', ['-sS', '-m', '3', url]).catch(() => undefined);
    return got?.stdout.trim();
  }

  /** Waits for the Nat condition with `reason` (the agent applied what it reports). */
  async function conditionReason(reason: string): Promise<void> {
    await waitFor(
      `the Nat condition with reason ${reason}`,
      async () => ((await natCondition())?.reason === reason ? true : undefined),
      60_000,
    ).catch((error: unknown) => {
      throw withAgentLog(agent, error);
    });
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'walt-nat-'));
    net = await createSegment({ subnet: '10.83.0.0/24', serverIp: SERVER });
    internet = await createInternet(net.ns, { link: LINK, far: FAR });
    // Forwarding off, as in a fresh pod namespace (a new namespace may inherit the host's setting).
    await exec(net.ns, 'sysctl', ['-qw', 'net.ipv4.ip_forward=0']);
    bridge = await bridgeApiserver(net.ns, kc.getCurrentCluster()!.server);
    await api.createClusterCustomObject({
      ...RESOURCES.segment,
      body: {
        apiVersion: 'walt.dev/v1alpha1',
        kind: 'WaltSegment',
        metadata: { name: segmentName },
        spec: {
          interface: net.bridge,
          subnet: '10.83.0.0/24',
          serverAddress: SERVER,
          dhcp: { mode: 'authoritative', range: { start: '10.83.0.100', end: '10.83.0.199' } },
          nat: { enabled: true },
        },
      },
    });
    await api.createClusterCustomObject({
      ...RESOURCES.node,
      body: {
        apiVersion: 'walt.dev/v1alpha1',
        kind: 'WaltNode',
        metadata: { name: nodeName },
        spec: { mac: nodeMac, model: 'pc-x86-64', segment: segmentName, settings: { netsetup: 'NAT' } },
      },
    });
    agent = await startSegmentAgent({
      admin: kc,
      dir,
      ns: net.ns,
      segment: segmentName,
      cacheDir: path.join(dir, 'cache'),
      identity: 'agent-nat',
      args: ['--nfs-grace', '2s', '--boot-cache-mib', '0'],
    });
    // The node's DHCP client sets its address and its default route from the router option.
    node = await addClient(net, { mac: nodeMac });
    const script = path.join(dir, 'udhcpc.sh');
    await writeFile(
      script,
      [
        '#!/bin/sh',
        '[ "$1" = bound ] || exit 0',
        'ip addr add "$ip/$mask" dev "$interface"',
        '[ -z "$router" ] || ip route replace default via "${router%% *}" dev "$interface"',
        `echo "$ip" > '${dir}/ip'`,
        '',
      ].join('\n'),
    );
    await chmod(script, 0o755);
    const udhcpc = [
      'udhcpc',
      '-i',
      node.ifname,
      '-f',
      '-q',
      '-n',
      '-t',
      '60',
      '-T',
      '1',
      '-A',
      '1',
      '-s',
      script,
    ];
    await exec(node.ns, 'busybox', udhcpc, 240_000).catch((error: unknown) => {
      throw withAgentLog(agent, error);
    });
    nodeIp = (await readFile(path.join(dir, 'ip'), 'utf8')).trim();
  }, 300_000);

  afterAll(async () => {
    await stop(agent);
    await api.deleteClusterCustomObject({ ...RESOURCES.node, name: nodeName }).catch(() => undefined);
    await api.deleteClusterCustomObject({ ...RESOURCES.segment, name: segmentName }).catch(() => undefined);
    await bridge?.stop();
    await destroyInternet(internet);
    if (net) await destroySegment(net);
    await rm(dir, { recursive: true, force: true });
  }, 120_000);

  it('hands the node the agent as its router', async () => {
    const routes = (await exec(node.ns, 'ip', ['-j', 'route', 'show', 'default'])).stdout;
    expect(JSON.parse(routes)).toEqual([expect.objectContaining({ gateway: SERVER })]);
  });

  it('masquerades the node behind the uplink: the far side sees the agent uplink address', async () => {
    await conditionReason('Masquerading');
    // The node's lease reaches the set (a lease change pokes the service).
    await waitFor('the node address in the NAT set', async () => {
      const set = (await natTable())?.find((o) => o.set?.name === 'nat_nodes')?.set;
      return set?.elem?.includes(nodeIp) ? true : undefined;
    });
    const table = (await natTable())!;
    expect(table.find((o) => o.table)?.table).toMatchObject({ family: 'ip', name: 'walt_nat' });
    const masquerade = table.filter((o) => o.rule?.chain === 'postrouting');
    expect(JSON.stringify(masquerade)).toContain(internet.uplink);
    expect(JSON.stringify(masquerade)).toContain('masquerade');
    expect((await exec(net.ns, 'cat', ['/proc/sys/net/ipv4/ip_forward'])).stdout.trim()).toBe('1');
    expect(await fromNode()).toBe(internet.uplinkIp);
    // A LAN node that routes through the agent on its own goes nowhere: only the NAT nodes are let out.
    // (The far side gets a route back to the lab meanwhile, so an unmasqueraded packet let through
    // would be answered: only the agent's forward rules stop it.)
    const back = ['route', 'add', '10.83.0.0/24', 'via', internet.uplinkIp];
    await exec(internet.ns, 'ip', back);
    const lanName = uniqueName('lan-node');
    const lanMac = randomMac('52:54:00');
    await api.createClusterCustomObject({
      ...RESOURCES.node,
      body: {
        apiVersion: 'walt.dev/v1alpha1',
        kind: 'WaltNode',
        metadata: { name: lanName },
        spec: { mac: lanMac, model: 'pc-x86-64', segment: segmentName, settings: { netsetup: 'LAN' } },
      },
    });
    try {
      const lan = await addClient(net, { mac: lanMac });
      const env = await udhcpc(dir, lan, [], { configure: true });
      expect(env.router).toBeUndefined();
      await exec(lan.ns, 'ip', ['route', 'add', 'default', 'via', SERVER]);
      expect(await fromNode(lan)).toBeUndefined();
      expect(await fromNode()).toBe(internet.uplinkIp);
    } finally {
      await exec(internet.ns, 'ip', ['route', 'del', '10.83.0.0/24']);
      await api.deleteClusterCustomObject({ ...RESOURCES.node, name: lanName }).catch(() => undefined);
    }
    // No table but ours was written: the namespace holds exactly one.
    const tables = (await exec(net.ns, 'nft', ['-j', 'list', 'tables'])).stdout;
    expect((JSON.parse(tables) as { nftables: NftObject[] }).nftables.filter((o) => o.table)).toHaveLength(1);
  });

  it('stops masquerading when the namespace loses its uplink, and says why', async () => {
    await setDefaultRoute(net.ns, internet, false);
    // A change of the segment pokes the service at once (it also looks again every 30 s on its own).
    await api.patchClusterCustomObject(
      { ...RESOURCES.segment, name: segmentName, body: { metadata: { annotations: { poke: '1' } } } },
      mergePatch,
    );
    await conditionReason('NoUplink');
    expect(await natTable()).toBeUndefined();
    expect(await fromNode()).toBeUndefined();
    await setDefaultRoute(net.ns, internet, true);
    await api.patchClusterCustomObject(
      { ...RESOURCES.segment, name: segmentName, body: { metadata: { annotations: { poke: '2' } } } },
      mergePatch,
    );
    await conditionReason('Masquerading');
    expect(await fromNode()).toBe(internet.uplinkIp);
  });

  it('with nat disabled the table is gone, ip_forward is back off and the node cannot reach the far side', async () => {
    await patchSegment({ nat: { enabled: false } });
    await conditionReason('Disabled');
    expect(await natTable()).toBeUndefined();
    expect((await exec(net.ns, 'cat', ['/proc/sys/net/ipv4/ip_forward'])).stdout.trim()).toBe('0');
    expect(await fromNode()).toBeUndefined();
    expect(await natCondition()).toMatchObject({ status: 'False' });
  });

  it('did it as its own ServiceAccount, never refused by the apiserver', () => {
    expect(agent?.refusals()).toEqual([]);
  });
});
