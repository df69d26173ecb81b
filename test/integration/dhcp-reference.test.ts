// The DHCP service compared with a reference implementation, so that its PXE and Raspberry Pi answers are
// not judged by our own codec: dnsmasq (Debian) serves a twin segment in its own network namespace,
// configured the way its manual and the Raspberry Pi network-boot guide say; a scapy client
// (test/support/dhcp-reference-probe.py, not our codec) sends the same firmware-shaped request to both
// servers from a client with the same MAC; the fields a PXE ROM or the Pi bootloader acts on must agree.
// Where the two differ by design (our ProxyDHCP offer names the file at once, dnsmasq's sends a boot menu
// first) the test follows each answer the way a PXE 2.1 ROM does and compares where the ROM ends up.
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DhcpFixture } from '../support/dhcp-agent.js';
import { startFixtureAgent, type FixtureAgent } from '../support/dhcp-agent-process.js';
import {
  probeReference,
  startDnsmasq,
  type Dnsmasq,
  type ReferenceAnswer,
} from '../support/dhcp-reference.js';
import {
  addClient,
  createSegment,
  destroySegment,
  exec,
  type Client,
  type Segment,
} from '../support/netns.js';
import { requireTool, TOOLS } from '../support/require-tool.js';

const SERVER = '10.77.0.1';
const SUBNET = '10.77.0.0/24';
const PC_MAC = '52:54:00:ab:00:01';
const PI_MAC = 'dc:a6:32:ab:00:03';

function fixture(mode: 'authoritative' | 'proxy'): DhcpFixture {
  const node = (name: string, mac: string, model: string): DhcpFixture['nodes'][number] =>
    ({
      apiVersion: 'walt.dev/v1alpha1',
      kind: 'WaltNode',
      metadata: { name },
      spec: { mac, model, segment: 'lab', image: 'lab/img', settings: {} },
    }) as DhcpFixture['nodes'][number];
  return {
    segment: {
      apiVersion: 'walt.dev/v1alpha1',
      kind: 'WaltSegment',
      metadata: { name: 'lab' },
      spec: {
        interface: 'br0',
        subnet: SUBNET,
        serverAddress: SERVER,
        domain: 'walt',
        dhcp: { mode, range: { start: '10.77.0.100', end: '10.77.0.150' }, leaseTime: '1h' },
        autoRegister: false,
        nat: { enabled: false },
      },
    },
    nodes: [node('pc1', PC_MAC, 'pc-x86-64'), node('pi1', PI_MAC, 'rpi-4-b')],
    images: [
      {
        apiVersion: 'walt.dev/v1alpha1',
        kind: 'WaltImage',
        metadata: { name: 'img', namespace: 'lab' },
        spec: { models: ['pc-x86-64', 'rpi-4-b'] },
        status: {
          digest: 'sha256:img',
          models: ['pc-x86-64', 'rpi-4-b'],
          segments: [
            {
              segment: 'lab',
              digest: 'sha256:img',
              manifests: ['m-amd64', 'm-arm64'],
              conditions: [{ type: 'Unpacked', status: 'True' }],
            },
          ],
        },
      } as unknown as DhcpFixture['images'][number],
    ],
    rootfs: {
      'm-amd64': { path: '/x', platform: 'linux/amd64' },
      'm-arm64': { path: '/y', platform: 'linux/arm64' },
    },
  };
}

interface Twin {
  dir: string;
  ours: Segment;
  reference: Segment;
  agent?: FixtureAgent;
  dnsmasq?: Dnsmasq;
}

async function twin(prefix: string): Promise<Twin> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  const ours = await createSegment({ subnet: SUBNET, serverIp: SERVER });
  const reference = await createSegment({ subnet: SUBNET, serverIp: SERVER });
  return { dir, ours, reference };
}

async function teardown(t: Twin | undefined): Promise<void> {
  if (!t) return;
  await t.agent?.stop();
  await t.dnsmasq?.stop();
  await destroySegment(t.ours);
  await destroySegment(t.reference);
  await rm(t.dir, { recursive: true, force: true });
}

/** Two clients with the same MAC, one per segment; with `ip`, that address on both (a ROM that has a lease). */
async function clients(t: Twin, mac: string, ip?: string): Promise<[Client, Client]> {
  const pair = [await addClient(t.ours, { mac }), await addClient(t.reference, { mac })] as [Client, Client];
  if (ip) for (const c of pair) await exec(c.ns, 'ip', ['addr', 'add', `${ip}/24`, 'dev', c.ifname]);
  return pair;
}

const text = (value: unknown): string | undefined => (value as { text?: string } | undefined)?.text;
const hex = (value: unknown): string | undefined => (value as { hex?: string } | undefined)?.hex;

/** PXE sub-option 9 (boot menu) as items: [type, description]. */
function bootMenu(answer: ReferenceAnswer): Array<[number, string]> | undefined {
  const menu = answer.pxe?.['9'];
  if (menu === undefined) return undefined;
  const bytes = Buffer.from(menu, 'hex');
  const items: Array<[number, string]> = [];
  for (let i = 0; i + 3 <= bytes.length; i += 3 + bytes[i + 2]!) {
    items.push([bytes.readUInt16BE(i), bytes.toString('latin1', i + 3, i + 3 + bytes[i + 2]!)]);
  }
  return items;
}

/** What a PXE ROM checks in any answer of a ProxyDHCP or boot server (PXE 2.1 §2.2.6–2.2.7). */
function pxeEnvelope(answer: ReferenceAnswer & { sent: { uuid: string } }): object {
  return {
    op: answer.op,
    from: answer.from,
    messageType: answer.options['message-type'],
    serverId: answer.options.server_id,
    vendorClass: text(answer.options.vendor_class_id),
    uuidEchoed: hex(answer.options.pxe_client_machine_identifier) === answer.sent.uuid,
    pxeOptionsDecodable: answer.pxe !== null,
  };
}

type Answer = ReferenceAnswer & { sent: { uuid: string } };
const probe = (
  client: Client,
  firmware: Parameters<typeof probeReference>[1],
  server?: string,
): Promise<Answer> => probeReference(client, firmware, server) as Promise<Answer>;

/**
 * Where a PXE 2.1 ROM gets its boot file after a ProxyDHCP offer: with discovery control bit 3 and a
 * file in the offer, from the offer; otherwise it asks the boot server of the menu's first item on
 * port 4011 and takes the file of that ACK.
 */
async function romBootTarget(client: Client, offer: Answer): Promise<{ siaddr: string; file: string }> {
  const control = Number.parseInt(offer.pxe?.['6'] ?? '00', 16);
  if ((control & 0x08) !== 0 && offer.file !== '') return { siaddr: offer.siaddr, file: offer.file };
  const ack = await probe(client, 'pxe-bios-4011', String(offer.options.server_id));
  return { siaddr: ack.siaddr, file: ack.file };
}

describe('ProxyDHCP compared with dnsmasq (proxy mode, PXE BIOS ROM)', () => {
  let t: Twin | undefined;

  beforeAll(async () => {
    requireTool(TOOLS.dnsmasq);
    requireTool(TOOLS.scapy);
    t = await twin('walt-dhcp-ref-proxy-');
    t.agent = await startFixtureAgent(t.ours.ns, t.dir, fixture('proxy'));
    t.dnsmasq = await startDnsmasq(t.reference.ns, t.dir, [
      `interface=${t.reference.bridge}`,
      'dhcp-range=10.77.0.0,proxy,255.255.255.0',
      'pxe-service=x86PC,"WalT",undionly.kpxe',
    ]);
  }, 120_000);

  afterAll(() => teardown(t));

  it('Given a PXE DISCOVER, then both OFFER no address, from the server, with PXEClient and the UUID echoed', async () => {
    const [mine, theirs] = await clients(t!, PC_MAC);
    const [ours, reference] = await Promise.all([probe(mine, 'pxe-bios'), probe(theirs, 'pxe-bios')]);
    expect(pxeEnvelope(ours)).toEqual(pxeEnvelope(reference));
    expect(pxeEnvelope(ours)).toEqual({
      op: 2,
      from: SERVER,
      messageType: 2,
      serverId: SERVER,
      vendorClass: 'PXEClient',
      uuidEchoed: true,
      pxeOptionsDecodable: true,
    });
    // No lease: a ProxyDHCP server never hands out an address or lease parameters
    for (const answer of [ours, reference]) {
      expect(answer.yiaddr).toBe('0.0.0.0');
      expect(answer.options).not.toHaveProperty('lease_time');
      expect(answer.options).not.toHaveProperty('subnet_mask');
    }
  });

  it('Given the ROM follows each offer, then it ends up with the same file from the same server', async () => {
    const [mine, theirs] = await clients(t!, PC_MAC, '10.77.0.60');
    const [ours, reference] = await Promise.all([probe(mine, 'pxe-bios'), probe(theirs, 'pxe-bios')]);
    const [ourTarget, referenceTarget] = await Promise.all([
      romBootTarget(mine, ours),
      romBootTarget(theirs, reference),
    ]);
    expect(ourTarget).toEqual(referenceTarget);
    expect(ourTarget).toEqual({ siaddr: SERVER, file: 'undionly.kpxe' });
  });

  it('Given a boot server REQUEST on port 4011, then both ACK with the boot file, PXEClient and the UUID', async () => {
    const [mine, theirs] = await clients(t!, PC_MAC, '10.77.0.61');
    const [ours, reference] = await Promise.all([
      probe(mine, 'pxe-bios-4011', SERVER),
      probe(theirs, 'pxe-bios-4011', SERVER),
    ]);
    expect(pxeEnvelope(ours)).toEqual(pxeEnvelope(reference));
    expect(pxeEnvelope(ours)).toMatchObject({ messageType: 5, vendorClass: 'PXEClient', uuidEchoed: true });
    expect([ours.sport, ours.siaddr, ours.file]).toEqual([reference.sport, reference.siaddr, reference.file]);
    expect([ours.sport, ours.siaddr, ours.file]).toEqual([4011, SERVER, 'undionly.kpxe']);
  });
});

describe('Raspberry Pi DHCP compared with dnsmasq (authoritative, the Pi network-boot set-up)', () => {
  let t: Twin | undefined;

  beforeAll(async () => {
    requireTool(TOOLS.dnsmasq);
    requireTool(TOOLS.scapy);
    t = await twin('walt-dhcp-ref-rpi-');
    t.agent = await startFixtureAgent(t.ours.ns, t.dir, fixture('authoritative'));
    // dnsmasq serves TFTP as nobody: a root it may read
    const tftpRoot = path.join(t.dir, 'tftp');
    await mkdir(tftpRoot);
    await chmod(t.dir, 0o755);
    // The Raspberry Pi documentation's dnsmasq lines for network boot (TFTP from the same server)
    t.dnsmasq = await startDnsmasq(t.reference.ns, t.dir, [
      `interface=${t.reference.bridge}`,
      'dhcp-range=10.77.0.100,10.77.0.150,255.255.255.0,1h',
      'pxe-service=0,"Raspberry Pi Boot"',
      'enable-tftp',
      `tftp-root=${tftpRoot}`,
    ]);
  }, 120_000);

  afterAll(() => teardown(t));

  it('Given a Pi bootloader DISCOVER, then both offer an address with PXEClient, the "Raspberry Pi Boot" menu and the TFTP server', async () => {
    const [mine, theirs] = await clients(t!, PI_MAC);
    const [ours, reference] = await Promise.all([probe(mine, 'rpi'), probe(theirs, 'rpi')]);
    const bootFields = (a: Answer): object => ({
      ...pxeEnvelope(a),
      siaddr: a.siaddr,
      bootMenu: bootMenu(a),
      inSubnet: a.yiaddr.startsWith('10.77.0.') && a.yiaddr !== '10.77.0.0',
    });
    expect(bootFields(ours)).toEqual(bootFields(reference));
    expect(bootFields(ours)).toEqual({
      op: 2,
      from: SERVER,
      messageType: 2,
      serverId: SERVER,
      vendorClass: 'PXEClient',
      uuidEchoed: true,
      pxeOptionsDecodable: true,
      siaddr: SERVER,
      bootMenu: [[0, 'Raspberry Pi Boot']],
      inSubnet: true,
    });
  });
});
