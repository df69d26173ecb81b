// The DHCP service in a network namespace, driven by real clients (busybox udhcpc, ISC dhclient) from
// client namespaces plugged into the same bridge.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { emptyPacket, encode, macToBuffer } from '../../agents/dhcp/packet.js';
import { ipValue, MessageType, OPT, u16Value, u8Value } from '../../agents/dhcp/options.js';
import type { DhcpFixture } from '../support/dhcp-agent.js';
import { udhcpc } from '../support/dhcp-clients.js';
import {
  addClient,
  createSegment,
  destroySegment,
  exec,
  type Client,
  type Segment,
} from '../support/netns.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const SERVER = '10.77.0.1';
const PXE_VCI = 'PXEClient:Arch:00000:UNDI:002001';
const MAC = {
  pc: '52:54:00:aa:00:01',
  uefi: '52:54:00:aa:00:02',
  pi: 'dc:a6:32:aa:00:03',
  reserved: '52:54:00:aa:00:04',
};

function fixture(mode: 'authoritative' | 'proxy'): DhcpFixture {
  const node = (name: string, mac: string, model: string, ip?: string): DhcpFixture['nodes'][number] =>
    ({
      apiVersion: 'walt.dev/v1alpha1',
      kind: 'WaltNode',
      metadata: { name },
      spec: { mac, model, segment: 'lab', image: 'lab/img', settings: {} },
      ...(ip ? { status: { ip } } : {}),
    }) as DhcpFixture['nodes'][number];
  const unpacked = (manifests: string[]): object => ({
    segment: 'lab',
    digest: 'sha256:img',
    manifests,
    conditions: [{ type: 'Unpacked', status: 'True' }],
  });
  return {
    segment: {
      apiVersion: 'walt.dev/v1alpha1',
      kind: 'WaltSegment',
      metadata: { name: 'lab' },
      spec: {
        interface: 'br0',
        subnet: '10.77.0.0/24',
        serverAddress: SERVER,
        domain: 'walt',
        dhcp: { mode, range: { start: '10.77.0.100', end: '10.77.0.150' }, leaseTime: '1h' },
        autoRegister: true,
        nat: { enabled: false },
      },
    },
    nodes: [
      node('pc1', MAC.pc, 'pc-x86-64'),
      node('uefi1', MAC.uefi, 'pc-x86-64'),
      node('pi1', MAC.pi, 'rpi-4-b'),
      node('fixed', MAC.reserved, 'pc-x86-64', '10.77.0.42'),
    ],
    images: [
      {
        apiVersion: 'walt.dev/v1alpha1',
        kind: 'WaltImage',
        metadata: { name: 'img', namespace: 'lab' },
        spec: { models: ['pc-x86-64', 'rpi-4-b'] },
        status: {
          digest: 'sha256:img',
          models: ['pc-x86-64', 'rpi-4-b'],
          segments: [unpacked(['m-amd64', 'm-arm64'])],
        },
      } as unknown as DhcpFixture['images'][number],
    ],
    rootfs: {
      'm-amd64': { path: '/x', platform: 'linux/amd64' },
      'm-arm64': { path: '/y', platform: 'linux/arm64' },
    },
  };
}

interface Agent {
  child: ChildProcess;
  output: string[];
}

async function startAgent(segment: Segment, fixtureFile: string, leasesFile: string): Promise<Agent> {
  const child = spawn(
    'ip',
    [
      'netns',
      'exec',
      segment.ns,
      tsx,
      path.join(root, 'test/support/dhcp-agent.ts'),
      fixtureFile,
      leasesFile,
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      // The DHCP server on a fixture view talks to no apiserver: it gets no credentials either.
      env: { ...process.env, KUBECONFIG: '/nonexistent' },
    },
  );
  const output: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('DHCP agent did not start in 30 s')), 30000);
    child.once('exit', (code) => reject(new Error(`DHCP agent exited with ${code}`)));
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      output.push(...chunk.split('\n').filter(Boolean));
      if (output.includes('READY')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return { child, output };
}

async function stopAgent(agent: Agent | undefined): Promise<void> {
  if (!agent || agent.child.exitCode !== null) return;
  const exited = new Promise((resolve) => agent.child.once('exit', resolve));
  agent.child.kill('SIGTERM');
  await exited;
}

const hexText = (text: string): string => Buffer.from(text).toString('hex');

describe('DHCP service in a network namespace (authoritative)', () => {
  let segment: Segment;
  let dir: string;
  let agent: Agent | undefined;
  let leasesFile: string;
  let fixtureFile: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'walt-dhcp-'));
    leasesFile = path.join(dir, 'leases.json');
    fixtureFile = path.join(dir, 'fixture.json');
    await writeFile(fixtureFile, JSON.stringify(fixture('authoritative')));
    segment = await createSegment({ subnet: '10.77.0.0/24', serverIp: SERVER });
    agent = await startAgent(segment, fixtureFile, leasesFile);
  });

  afterAll(async () => {
    await stopAgent(agent);
    if (segment) await destroySegment(segment);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('Given a PXE BIOS node, then it gets its address, next-server and undionly.kpxe', async () => {
    const client = await addClient(segment, { mac: MAC.pc });
    const env = await udhcpc(dir, client, [
      '-V',
      PXE_VCI,
      '-x',
      '93:0000',
      '-x',
      '94:010201',
      '-x',
      '0x61:00' + '5a'.repeat(16),
      '-O',
      '66',
      '-O',
      '67',
    ]);
    expect(env).toMatchObject({
      ip: '10.77.0.2',
      siaddr: SERVER,
      boot_file: 'undionly.kpxe',
      tftp: SERVER,
      hostname: 'pc1',
    });
  });

  it('Given a UEFI x86 node, then it gets ipxe.efi', async () => {
    const client = await addClient(segment, { mac: MAC.uefi });
    const env = await udhcpc(dir, client, ['-V', 'PXEClient:Arch:00007:UNDI:003016', '-x', '93:0007']);
    expect(env.boot_file).toBe('ipxe.efi');
  });

  it('Given iPXE (option 175) on a known node, then it gets the HTTP script URL', async () => {
    const client = await addClient(segment, { mac: MAC.pc });
    const env = await udhcpc(dir, client, ['-V', PXE_VCI, '-x', '0xaf:b10101', '-x', '93:0000']);
    expect(env.boot_file).toBe(`http://${SERVER}/ipxe/boot.ipxe`);
    expect(env.ip).toBe('10.77.0.2');
  });

  it('Given a Raspberry Pi, then it gets option 60 PXEClient and the "Raspberry Pi Boot" option 43', async () => {
    const client = await addClient(segment, { mac: MAC.pi });
    const env = await udhcpc(dir, client, ['-V', PXE_VCI, '-O', '43', '-O', '60']);
    expect(env.vendor).toBe('PXEClient');
    expect(env.opt43).toContain(hexText('Raspberry Pi Boot'));
    expect(env.siaddr).toBe(SERVER);
  });

  it('Given a node with a status ip, then it gets that reservation', async () => {
    const client = await addClient(segment, { mac: MAC.reserved });
    expect((await udhcpc(dir, client, [])).ip).toBe('10.77.0.42');
  });

  it('Given an unknown WalT node, then it gets a range address, no boot file, and is reported', async () => {
    const client = await addClient(segment);
    const env = await udhcpc(dir, client, ['-V', 'walt.node.pc-x86-64']);
    expect(env.ip).toMatch(/^10\.77\.0\.1[0-4]\d$/);
    expect(env.boot_file).toBeUndefined();
    const reported = agent!.output
      .filter((l) => l.includes('"discovered"'))
      .map((l) => JSON.parse(l) as { discovered: { mac: string; model: string } });
    expect(reported.map((r) => r.discovered)).toContainEqual(
      expect.objectContaining({ mac: client.mac, model: 'pc-x86-64' }),
    );
  });

  it('Given dhclient on a known PXE node, then its lease has the boot file and host name', async () => {
    const client = await addClient(segment, { mac: MAC.pc });
    const lease = path.join(dir, 'dhclient.leases');
    const conf = path.join(dir, 'dhclient.conf');
    await writeFile(
      conf,
      [
        'option pxe-arch code 93 = unsigned integer 16;',
        `send vendor-class-identifier "${PXE_VCI}";`,
        'send pxe-arch 0;',
        'request subnet-mask, host-name, domain-name;',
      ].join('\n'),
    );
    const pidFile = path.join(dir, 'dhclient.pid');
    await exec(
      client.ns,
      'dhclient',
      ['-1', '-v', '-cf', conf, '-sf', '/bin/true', '-lf', lease, '-pf', pidFile, client.ifname],
      60000,
    );
    const text = await readFile(lease, 'utf8');
    expect(text).toContain('fixed-address 10.77.0.2;');
    expect(text).toContain('filename "undionly.kpxe";');
    expect(text).toContain('option host-name "pc1";');
  });

  it('Given two unknown devices, then they get different addresses; after a restart, the same ones back', async () => {
    const first = await addClient(segment);
    const second = await addClient(segment);
    const a = (await udhcpc(dir, first, [])).ip;
    const b = (await udhcpc(dir, second, [])).ip;
    expect(a).not.toBe(b);
    await stopAgent(agent);
    agent = await startAgent(segment, fixtureFile, leasesFile);
    expect((await udhcpc(dir, second, [])).ip).toBe(b);
    expect((await udhcpc(dir, first, [])).ip).toBe(a);
  });
});

describe('DHCP service in a network namespace (proxy)', () => {
  let segment: Segment;
  let dir: string;
  let agent: Agent | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'walt-dhcp-proxy-'));
    const fixtureFile = path.join(dir, 'fixture.json');
    await writeFile(fixtureFile, JSON.stringify(fixture('proxy')));
    segment = await createSegment({ subnet: '10.77.0.0/24', serverIp: SERVER });
    agent = await startAgent(segment, fixtureFile, path.join(dir, 'leases.json'));
  });

  afterAll(async () => {
    await stopAgent(agent);
    if (segment) await destroySegment(segment);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  function pxePacket(type: number, ciaddr = '0.0.0.0'): string {
    const options = new Map<number, Buffer>([
      [OPT.MESSAGE_TYPE, u8Value(type)],
      [OPT.VENDOR_CLASS, Buffer.from(PXE_VCI)],
      [OPT.CLIENT_ARCH, u16Value(0)],
    ]);
    if (type === MessageType.REQUEST) options.set(OPT.REQUESTED_IP, ipValue(ciaddr));
    return encode({ ...emptyPacket(), xid: 0x5eed, ciaddr, chaddr: macToBuffer(MAC.pc), options }).toString(
      'hex',
    );
  }

  async function probe(
    client: Client,
    args: string[],
  ): Promise<{ yiaddr: string; siaddr: string; file: string; options: Record<string, string> }> {
    const { stdout } = await exec(
      client.ns,
      tsx,
      [path.join(root, 'test/support/dhcp-probe.ts'), ...args],
      60000,
    );
    return JSON.parse(stdout.trim()) as {
      yiaddr: string;
      siaddr: string;
      file: string;
      options: Record<string, string>;
    };
  }

  it('Given a PXE DISCOVER on port 67, then a ProxyDHCP offer without address, with PXEClient and the boot file', async () => {
    const client = await addClient(segment, { mac: MAC.pc });
    await exec(client.ns, 'ip', ['addr', 'add', '10.77.0.60/24', 'dev', client.ifname]);
    const reply = await probe(client, ['10.77.0.255', '67', '68', pxePacket(MessageType.DISCOVER)]);
    expect(reply).toMatchObject({ yiaddr: '0.0.0.0', siaddr: SERVER, file: 'undionly.kpxe' });
    expect(reply.options[OPT.VENDOR_CLASS]).toBe(hexText('PXEClient'));
  });

  it('Given a PXE REQUEST on port 4011, then a unicast ACK with the boot file and no address', async () => {
    const client = await addClient(segment, { mac: MAC.pc });
    await exec(client.ns, 'ip', ['addr', 'add', '10.77.0.61/24', 'dev', client.ifname]);
    const reply = await probe(client, [SERVER, '4011', '0', pxePacket(MessageType.REQUEST, '10.77.0.61')]);
    expect(reply).toMatchObject({ yiaddr: '0.0.0.0', file: 'undionly.kpxe' });
    expect(reply.options[OPT.MESSAGE_TYPE]).toBe('05');
  });
});
