// DHCP and TFTP under abuse, against the real agent in its network namespace (real apiserver through a
// bridge) and reference clients in client namespaces: tftp-hpa in netascii mode, raw datagrams for what
// no client sends (bad TFTP modes and garbage, a DECLINE from a device that does not hold the address),
// busybox udhcpc, sprayed MACs announcing a WalT node model (auto-registration capped and rate limited,
// counted as WaltNodes on the apiserver, then collected), and a lease that expires.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { RESOURCES, type WaltNode } from '../../api/v1alpha1/index.js';
import { ipValue, MessageType, OPT, u8Value } from '../../agents/dhcp/options.js';
import { emptyPacket, encode, macToBuffer } from '../../agents/dhcp/packet.js';
import { decodePacket, encodeRequest, type TftpPacket } from '../../agents/tftp/packet.js';
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
import { lineCounter, startSegmentAgent, withAgentLog, type SegmentAgent } from '../support/segment-agent.js';
import { waitFor } from '../support/wait.js';
import { kubeConfig, uniqueName } from './support/cluster.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const SERVER = '10.79.0.1';
const BROADCAST = '10.79.0.255';
const HEALTH_PORT = 18082;
/** A static iPXE file of the Debian package: binary, so full of bytes netascii has to convert. */
const STATIC_FILE = '82540em.rom';

describe('DHCP and TFTP of the real agent under abuse', () => {
  const kc = kubeConfig();
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const segmentName = uniqueName('abuse');
  const nodeMac = randomMac('52:54:00');
  let net: Segment;
  let bridge: ApiserverBridge;
  let agent: SegmentAgent;
  let dhcpServing: () => number = () => 0;
  let tftpListening: () => number = () => 0;
  let dir: string;
  /** A client holding a lease and an address (TFTP talks to configured clients). */
  let leased: Client;
  /** The client of the WaltNode, with its lease. */
  let nodeClient: Client;

  const listDiscovered = async (): Promise<WaltNode[]> =>
    ((await api.listClusterCustomObject({ ...RESOURCES.node })) as { items: WaltNode[] }).items.filter(
      (n) => n.spec.segment === segmentName && n.metadata.labels?.['walt.dev/discovered'] === 'true',
    );

  /** Counters of the agent's /metrics, summed by metric name and label value. */
  async function metric(name: string, label?: string): Promise<number> {
    const text = (await exec(net.ns, 'curl', ['-sf', `http://127.0.0.1:${HEALTH_PORT}/metrics`])).stdout;
    let total = 0;
    for (const line of text.split('\n')) {
      if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
      if (label !== undefined && !line.includes(`"${label}"`)) continue;
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return total;
  }

  async function patchLimits(limits: object): Promise<void> {
    const serving = dhcpServing();
    await api.patchClusterCustomObject(
      { ...RESOURCES.segment, name: segmentName, body: { spec: { autoRegisterLimits: limits } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    // The DHCP service restarts with the new settings.
    await waitFor('DHCP serving the new settings', () =>
      Promise.resolve(dhcpServing() > serving ? true : undefined),
    );
  }

  /** Sends raw bytes from `client` and returns the reply (hex), or nothing when none is expected. */
  /** Sends raw bytes from `client` to `to` and returns the reply (none expected when `reply` is false). */
  async function udp(
    client: Client,
    to: { host: string; port: number },
    packet: Buffer,
    reply = true,
  ): Promise<Buffer> {
    const args = [path.join(root, 'test/support/udp-probe.ts'), to.host, String(to.port), reply ? '0' : '68'];
    const { stdout } = await exec(
      client.ns,
      tsx,
      [...args, packet.toString('hex'), reply ? '1' : '0'],
      40_000,
    );
    return Buffer.from(stdout.trim(), 'hex');
  }

  async function tftpAnswer(client: Client, packet: Buffer): Promise<TftpPacket> {
    const decoded = decodePacket(await udp(client, { host: SERVER, port: 69 }, packet));
    if (!decoded.ok) throw new Error(`undecodable TFTP answer: ${decoded.error.message}`);
    return decoded.packet;
  }

  function dhcpPacket(mac: string, type: number, options: Array<[number, Buffer]>): Buffer {
    return encode({
      ...emptyPacket(),
      xid: Math.floor(Math.random() * 2 ** 32),
      flags: 0x8000,
      chaddr: macToBuffer(mac),
      options: new Map([[OPT.MESSAGE_TYPE, u8Value(type)], ...options]),
    });
  }

  /** The message type of the server's answer to an INIT-REBOOT REQUEST of `mac` for `ip`. */
  async function initReboot(client: Client, mac: string, ip: string): Promise<number | undefined> {
    const request = dhcpPacket(mac, MessageType.REQUEST, [[OPT.REQUESTED_IP, ipValue(ip)]]);
    const args = [
      path.join(root, 'test/support/dhcp-probe.ts'),
      BROADCAST,
      '67',
      '68',
      request.toString('hex'),
    ];
    const { stdout } = await exec(client.ns, tsx, args, 40_000);
    return (JSON.parse(stdout) as { options: Record<string, string> }).options[OPT.MESSAGE_TYPE] === '05'
      ? MessageType.ACK
      : MessageType.NAK;
  }

  async function spray(client: Client, count: number, prefix: string): Promise<void> {
    const args = [
      path.join(root, 'test/support/dhcp-spray.ts'),
      BROADCAST,
      String(count),
      'walt.node.pc-x86-64',
      prefix,
    ];
    await exec(client.ns, tsx, args, 60_000);
  }

  /** Waits until the agent has decided on `total` registrations (every result counted). */
  async function registrationsDecided(total: number): Promise<void> {
    await waitFor(
      `${total} auto-registration decisions`,
      async () => ((await metric('walt_dhcp_autoregister_total')) >= total ? true : undefined),
      90_000,
    ).catch(async (error: unknown) => {
      const text = (await exec(net.ns, 'curl', ['-sf', `http://127.0.0.1:${HEALTH_PORT}/metrics`])).stdout;
      const dhcp = text.split('\n').filter((l) => l.includes('dhcp'));
      throw new Error(
        `${(error as Error).message}\n${dhcp.join('\n')}\n--- agent log ---\n${agent.log().slice(-3000)}`,
      );
    });
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'walt-abuse-'));
    net = await createSegment({ subnet: '10.79.0.0/24', serverIp: SERVER });
    bridge = await bridgeApiserver(net.ns, kc.getCurrentCluster()!.server);
    await api.createClusterCustomObject({
      ...RESOURCES.segment,
      body: {
        apiVersion: 'walt.dev/v1alpha1',
        kind: 'WaltSegment',
        metadata: { name: segmentName },
        spec: {
          interface: net.bridge,
          subnet: '10.79.0.0/24',
          serverAddress: SERVER,
          dhcp: {
            mode: 'authoritative',
            range: { start: '10.79.0.100', end: '10.79.0.199' },
            leaseTime: '1m',
          },
          autoRegister: true,
          autoRegisterLimits: { maxPending: 3, perHour: 1, burst: 100, forgetAfter: '720h' },
        },
      },
    });
    await api.createClusterCustomObject({
      ...RESOURCES.node,
      body: {
        apiVersion: 'walt.dev/v1alpha1',
        kind: 'WaltNode',
        metadata: { name: uniqueName('abused') },
        spec: { mac: nodeMac, model: 'pc-x86-64', segment: segmentName },
      },
    });
    agent = await startSegmentAgent({
      admin: kc,
      dir,
      ns: net.ns,
      segment: segmentName,
      cacheDir: path.join(dir, 'cache'),
      identity: 'agent-abuse',
      args: ['--health-port', String(HEALTH_PORT), '--nfs-grace', '2s', '--boot-cache-mib', '0'],
    });
    // Counted from its first line on (the log keeps a tail, and a restart is one more line).
    dhcpServing = lineCounter(agent, /DHCP serving/);
    tftpListening = lineCounter(agent, /tftp service listening/);
    await waitFor(
      'the agent serving DHCP',
      () => Promise.resolve(dhcpServing() > 0 ? true : undefined),
      90_000,
    ).catch((error: unknown) => {
      throw withAgentLog(agent, error);
    });
    await waitFor('TFTP listening', () => Promise.resolve(tftpListening() > 0 ? true : undefined), 60_000);
  }, 180_000);

  afterAll(async () => {
    await stop(agent);
    for (const node of await listDiscovered().catch(() => []))
      await api
        .deleteClusterCustomObject({ ...RESOURCES.node, name: node.metadata.name })
        .catch(() => undefined);
    const nodes = ((await api.listClusterCustomObject({ ...RESOURCES.node })) as { items: WaltNode[] }).items;
    for (const node of nodes.filter((n) => n.spec.segment === segmentName))
      await api
        .deleteClusterCustomObject({ ...RESOURCES.node, name: node.metadata.name })
        .catch(() => undefined);
    await api.deleteClusterCustomObject({ ...RESOURCES.segment, name: segmentName }).catch(() => undefined);
    await bridge?.stop();
    if (net) await destroySegment(net);
    await rm(dir, { recursive: true, force: true });
  }, 120_000);

  it.each([
    [{ maxPending: 4097 }, 'spec.autoRegisterLimits.maxPending'],
    [{ perHour: 0 }, 'spec.autoRegisterLimits.perHour'],
    [{ perHour: 3601 }, 'spec.autoRegisterLimits.perHour'],
    [{ burst: 257 }, 'spec.autoRegisterLimits.burst'],
    [{ forgetAfter: '721h' }, 'spec.autoRegisterLimits.forgetAfter'],
    [{ forgetAfter: '59s' }, 'spec.autoRegisterLimits.forgetAfter'],
    [{ forgetAfter: 'a day' }, 'spec.autoRegisterLimits.forgetAfter'],
  ])('the apiserver refuses autoRegisterLimits %j, naming %s', async (limits, field) => {
    const patch = api.patchClusterCustomObject(
      { ...RESOURCES.segment, name: segmentName, body: { spec: { autoRegisterLimits: limits } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await expect(patch).rejects.toMatchObject({ code: 422, body: expect.stringContaining(field) as string });
  });

  it('identifies a node by its bound lease (TFTP says it may not netboot, not that it is unknown)', async () => {
    nodeClient = await addClient(net, { mac: nodeMac });
    await udhcpc(dir, nodeClient, ['-V', 'walt.node.pc-x86-64'], { configure: true });
    const answer = await tftpAnswer(
      nodeClient,
      encodeRequest({ filename: 'pxelinux.cfg/default', mode: 'octet', options: {} }),
    );
    expect(answer).toMatchObject({ op: 'ERROR', code: 1 });
    expect((answer as { message: string }).message).toContain('may not netboot here');
  });

  it('serves netascii to tftp-hpa: the client gets the exact file back', async () => {
    leased = await addClient(net);
    await udhcpc(dir, leased, [], { configure: true });
    const original = await readFile(path.join('/usr/lib/ipxe', STATIC_FILE));
    // The file has line ends and carriage returns to convert
    expect(original.includes(0x0a) && original.includes(0x0d)).toBe(true);
    const dest = path.join(dir, 'netascii.rom');
    await exec(leased.ns, 'tftp', [SERVER, '-m', 'netascii', '-c', 'get', STATIC_FILE, dest], 60_000);
    expect((await readFile(dest)).equals(original)).toBe(true);
  });

  it.each([
    ['an unknown mode', Buffer.from('\x00\x01undionly.kpxe\x00binary\x00', 'latin1')],
    ['a NUL inside the file name', Buffer.from('\x00\x01undionly\x00.kpxe\x00octet\x00', 'latin1')],
    ['a missing terminator', Buffer.from('\x00\x01undionly.kpxe\x00octet', 'latin1')],
    ['an unknown opcode', Buffer.from([0, 42, 0, 1])],
  ])('answers a TFTP request with %s with ERROR 4 (malformed)', async (_what, packet) => {
    expect(await tftpAnswer(leased, packet)).toMatchObject({
      op: 'ERROR',
      code: 4,
      message: expect.stringMatching(/^malformed TFTP packet \(/) as string,
    });
  });

  it('ignores a DECLINE from a device that does not hold the address; the holder may decline it', async () => {
    // Given a device holding an address
    const holder = await addClient(net);
    const ip = (await udhcpc(dir, holder, [])).ip!;
    const prober = await addClient(net);
    await exec(prober.ns, 'ip', ['addr', 'add', '10.79.0.61/24', 'dev', prober.ifname]);
    const declineFrom = (mac: string): Buffer =>
      dhcpPacket(mac, MessageType.DECLINE, [
        [OPT.REQUESTED_IP, ipValue(ip)],
        [OPT.SERVER_ID, ipValue(SERVER)],
      ]);
    const ignoredBefore = await metric('walt_dhcp_ignored_total', 'decline-not-holder');
    // When another device declines it
    await udp(prober, { host: BROADCAST, port: 67 }, declineFrom(randomMac()), false);
    // Then the holder keeps it
    expect(await initReboot(prober, holder.mac, ip)).toBe(MessageType.ACK);
    expect(await metric('walt_dhcp_ignored_total', 'decline-not-holder')).toBe(ignoredBefore + 1);
    // When the holder declines it, then it may not have it any more
    await udp(prober, { host: BROADCAST, port: 67 }, declineFrom(holder.mac), false);
    expect(await initReboot(prober, holder.mac, ip)).toBe(MessageType.NAK);
  });

  it('registers at most maxPending of sprayed MACs, then at most the burst (counted on the apiserver)', async () => {
    const sprayer = await addClient(net);
    await exec(sprayer.ns, 'ip', ['addr', 'add', '10.79.0.62/24', 'dev', sprayer.ifname]);
    // Given maxPending 3 (and a burst that does not limit): 10 sprayed MACs give 3 WaltNodes
    await spray(sprayer, 10, '02:5a:01');
    await registrationsDecided(10);
    expect(await listDiscovered()).toHaveLength(3);
    expect(await metric('walt_dhcp_autoregister_total', 'created')).toBe(3);
    expect(await metric('walt_dhcp_autoregister_total', 'capped')).toBe(7);
    // Given a burst of 5 and 1 per hour (and a cap that does not limit): 10 more give 5 more
    await patchLimits({ maxPending: 100, perHour: 1, burst: 5, forgetAfter: '720h' });
    await spray(sprayer, 10, '02:5a:02');
    await registrationsDecided(20);
    expect(await listDiscovered()).toHaveLength(8);
    expect(await metric('walt_dhcp_autoregister_total', 'rate-limited')).toBe(5);
  }, 240_000);

  it('deletes discovered nodes that did not boot within forgetAfter, and only those', async () => {
    expect((await listDiscovered()).length).toBeGreaterThan(0);
    await patchLimits({ maxPending: 100, perHour: 1, burst: 5, forgetAfter: '1m' });
    await waitFor(
      'the discovered nodes collected',
      async () => ((await listDiscovered()).length === 0 ? true : undefined),
      240_000,
    );
    expect(await metric('walt_dhcp_autoregister_total', 'collected')).toBe(8);
    // The registered node is still there
    const nodes = ((await api.listClusterCustomObject({ ...RESOURCES.node })) as { items: WaltNode[] }).items;
    expect(nodes.filter((n) => n.spec.segment === segmentName).map((n) => n.spec.mac)).toEqual([nodeMac]);
  }, 300_000);

  it('no longer identifies the node once its lease expired', async () => {
    await waitFor(
      'the expired lease to stop identifying the node',
      async () => {
        const answer = await tftpAnswer(
          nodeClient,
          encodeRequest({ filename: 'pxelinux.cfg/default', mode: 'octet', options: {} }),
        );
        return (answer as { message?: string }).message?.includes('no DHCP lease maps client')
          ? true
          : undefined;
      },
      180_000,
    );
  }, 200_000);

  it('ran as its own ServiceAccount, never refused by the apiserver', () => {
    expect(agent.refusals()).toEqual([]);
  });
});
