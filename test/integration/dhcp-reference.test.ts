// The DHCP service compared with a reference implementation, so that its PXE and Raspberry Pi answers are
// not judged by our own codec: dnsmasq (Debian) serves a twin segment in its own network namespace,
// configured the way its manual and the Raspberry Pi network-boot guide say; a scapy client
// (test/support/dhcp-reference-probe.py, not our codec) sends the same firmware-shaped request to both
// servers from a client with the same MAC; the fields a PXE ROM or the Pi bootloader acts on must agree.
// Where the two differ by design (our ProxyDHCP offer names the file at once with discovery control 8,
// dnsmasq's sends a boot menu to BIOS ROMs and nothing to UEFI ones) the test follows each answer the way
// a PXE ROM does and compares where the ROM ends up. Not compared, on purpose: the address itself (each
// server has its own allocation order), yiaddr of a port-4011 ACK (dnsmasq copies ciaddr, we send 0: the
// ROM keeps its address either way), option 66 (we send it beside siaddr; dnsmasq does not), and the
// UUID echo in the authoritative chainload set-up (dnsmasq echoes it only as a PXE server).
// Not covered here: an arm64 UEFI ROM and iPXE's own DHCP (option 175), whose answers name files and
// URLs that dnsmasq would only repeat from its configuration.
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DhcpFixture } from '../support/dhcp-agent.js';
import { startFixtureAgent, type FixtureAgent } from '../support/dhcp-agent-process.js';
import {
  probeReference,
  startDnsmasq,
  type BootFirmware,
  type Dnsmasq,
  type Firmware,
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

/** The boot file a client reads: the header's file field, or option 67 (dnsmasq's choice when asked for it). */
function bootFile(answer: ReferenceAnswer): string {
  return answer.file || (text(answer.options['boot-file-name']) ?? '').replace(/\0+$/, '');
}

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
    // Option 43, when sent, must be a well-formed list of PXE sub-options
    pxeOptionsValid: answer.options.vendor_specific === undefined || answer.pxe !== null,
  };
}

type Answer = ReferenceAnswer & { sent: { uuid: string } };
const probe = (client: Client, firmware: Firmware, server?: string, item?: number): Promise<Answer> =>
  probeReference(client, firmware, server, item) as Promise<Answer>;

/** The iPXE binary each firmware gets (agents/dhcp/boot-options.ts; dnsmasq is configured the same). */
const IPXE: Array<[BootFirmware, string]> = [
  ['pxe-bios', 'undionly.kpxe'],
  ['pxe-uefi', 'ipxe.efi'],
];

/**
 * Where a PXE ROM gets its boot file after a ProxyDHCP offer: with discovery control bit 3 and a file in
 * the offer, from the offer; otherwise it asks the boot server for the menu's first item on port 4011
 * and takes the file of that ACK.
 */
async function romBootTarget(
  client: Client,
  firmware: BootFirmware,
  offer: Answer,
): Promise<{ siaddr: string; file: string }> {
  const control = Number.parseInt(offer.pxe?.['6'] ?? '00', 16);
  if ((control & 0x08) !== 0 && offer.file !== '') return { siaddr: offer.siaddr, file: offer.file };
  const item = bootMenu(offer)?.[0]?.[0];
  const ack = await probe(client, `${firmware}-4011`, String(offer.options.server_id), item);
  return { siaddr: ack.siaddr, file: ack.file };
}

describe('ProxyDHCP compared with dnsmasq (proxy mode, PXE BIOS and UEFI ROMs)', () => {
  let t: Twin | undefined;
  let mine: Client;
  let theirs: Client;

  beforeAll(async () => {
    requireTool(TOOLS.dnsmasq);
    requireTool(TOOLS.scapy);
    t = await twin('walt-dhcp-ref-proxy-');
    t.agent = await startFixtureAgent(t.ours.ns, t.dir, fixture('proxy'));
    t.dnsmasq = await startDnsmasq(t.reference.ns, t.dir, [
      `interface=${t.reference.bridge}`,
      'dhcp-range=10.77.0.0,proxy,255.255.255.0',
      'pxe-service=x86PC,"WalT",undionly.kpxe',
      // CSA 7: what x86-64 UEFI firmware sends in option 93 (dnsmasq's name x86-64_EFI is 9)
      'pxe-service=7,"WalT",ipxe.efi',
    ]);
    // The ROM has its address from the segment's authoritative server (not part of this test)
    [mine, theirs] = await clients(t, PC_MAC, '10.77.0.60');
  }, 120_000);

  afterAll(() => teardown(t));

  it.each(IPXE)(
    'Given a %s DISCOVER, then both OFFER no address, from the server, with PXEClient and the UUID echoed',
    async (firmware) => {
      const [ours, reference] = await Promise.all([probe(mine, firmware), probe(theirs, firmware)]);
      expect(pxeEnvelope(ours)).toEqual(pxeEnvelope(reference));
      expect(pxeEnvelope(ours)).toEqual({
        op: 2,
        from: SERVER,
        messageType: 2,
        serverId: SERVER,
        vendorClass: 'PXEClient',
        uuidEchoed: true,
        pxeOptionsValid: true,
      });
      // No lease: a ProxyDHCP server never hands out an address or lease parameters
      for (const answer of [ours, reference]) {
        expect(answer.yiaddr).toBe('0.0.0.0');
        expect(answer.options).not.toHaveProperty('lease_time');
        expect(answer.options).not.toHaveProperty('subnet_mask');
      }
    },
  );

  it.each(IPXE)(
    'Given a %s ROM follows each offer, then it ends up with %s from the same server',
    async (firmware, file) => {
      const [ours, reference] = await Promise.all([probe(mine, firmware), probe(theirs, firmware)]);
      const [ourTarget, referenceTarget] = await Promise.all([
        romBootTarget(mine, firmware, ours),
        romBootTarget(theirs, firmware, reference),
      ]);
      expect(ourTarget).toEqual(referenceTarget);
      expect(ourTarget).toEqual({ siaddr: SERVER, file });
    },
  );

  it.each(IPXE)(
    'Given a %s boot server REQUEST on port 4011, then both ACK with %s, PXEClient and the UUID',
    async (firmware, file) => {
      // The item of dnsmasq's menu for this firmware, if it sends one (not to UEFI); ours ignores it
      const item = bootMenu(await probe(theirs, firmware))?.[0]?.[0];
      const [ours, reference] = await Promise.all([
        probe(mine, `${firmware}-4011`, SERVER, item),
        probe(theirs, `${firmware}-4011`, SERVER, item),
      ]);
      expect(pxeEnvelope(ours)).toEqual(pxeEnvelope(reference));
      expect(pxeEnvelope(ours)).toMatchObject({ messageType: 5, vendorClass: 'PXEClient', uuidEchoed: true });
      const endpoint = (a: Answer): unknown[] => [a.sport, a.siaddr, a.file];
      expect(endpoint(ours)).toEqual(endpoint(reference));
      expect(endpoint(ours)).toEqual([4011, SERVER, file]);
    },
  );
});

describe('PXE DHCP compared with dnsmasq (authoritative, the iPXE chainload set-up)', () => {
  let t: Twin | undefined;
  let mine: Client;
  let theirs: Client;

  beforeAll(async () => {
    requireTool(TOOLS.dnsmasq);
    requireTool(TOOLS.scapy);
    t = await twin('walt-dhcp-ref-pxe-');
    t.agent = await startFixtureAgent(t.ours.ns, t.dir, fixture('authoritative'));
    // dnsmasq's documented way to hand each firmware its iPXE binary, by client architecture (93)
    t.dnsmasq = await startDnsmasq(t.reference.ns, t.dir, [
      `interface=${t.reference.bridge}`,
      'dhcp-range=10.77.0.100,10.77.0.150,255.255.255.0,1h',
      'dhcp-match=set:bios,option:client-arch,0',
      'dhcp-match=set:efi64,option:client-arch,7',
      `dhcp-boot=tag:bios,undionly.kpxe,,${SERVER}`,
      `dhcp-boot=tag:efi64,ipxe.efi,,${SERVER}`,
    ]);
    [mine, theirs] = await clients(t, PC_MAC);
  }, 120_000);

  afterAll(() => teardown(t));

  it.each(IPXE)(
    'Given a %s DISCOVER, then both offer an address, %s and its TFTP server',
    async (firmware, file) => {
      const [ours, reference] = await Promise.all([probe(mine, firmware), probe(theirs, firmware)]);
      // dnsmasq echoes the client UUID only as a PXE server (pxe-service), not in this set-up: not compared
      const bootFields = (a: Answer): object => ({
        op: a.op,
        from: a.from,
        messageType: a.options['message-type'],
        serverId: a.options.server_id,
        siaddr: a.siaddr,
        file: bootFile(a),
        inSubnet: a.yiaddr.startsWith('10.77.0.') && a.yiaddr !== '10.77.0.0',
        subnetMask: a.options.subnet_mask,
      });
      expect(bootFields(ours)).toEqual(bootFields(reference));
      expect(bootFields(ours)).toEqual({
        op: 2,
        from: SERVER,
        messageType: 2,
        serverId: SERVER,
        siaddr: SERVER,
        file,
        inSubnet: true,
        subnetMask: '255.255.255.0',
      });
    },
  );
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
      pxeOptionsValid: true,
      siaddr: SERVER,
      bootMenu: [[0, 'Raspberry Pi Boot']],
      inSubnet: true,
    });
  });
});
