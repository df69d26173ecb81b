// Discovery of unknown x86 PCs by the DHCP service in a network namespace, with a real client (busybox
// udhcpc) playing each firmware: on a segment with autoRegister, unknown PXE BIOS and UEFI firmware get
// next-server and the iPXE binary, unknown iPXE the discovery script URL, and iPXE announcing
// walt.node.pc-x86-64 (what the script makes it send) is reported for registration; on a segment
// without autoRegister the same machines get an address and nothing to boot, and nothing is reported.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DhcpFixture } from '../support/dhcp-agent.js';
import { udhcpc } from '../support/dhcp-clients.js';
import { addClient, createSegment, destroySegment, type Segment } from '../support/netns.js';
import { waitFor } from '../support/wait.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const SERVER = '10.78.0.1';
const BIOS = ['-V', 'PXEClient:Arch:00000:UNDI:002001', '-x', '93:0000'];
const UEFI = ['-V', 'PXEClient:Arch:00007:UNDI:003016', '-x', '93:0007'];
const IPXE = [...BIOS, '-x', '0xaf:b10101'];
// iPXE after `set user-class walt.node.pc-x86-64` (option 77 as one plain string, as iPXE sends it)
const ANNOUNCED = [...IPXE, '-x', `77:${Buffer.from('walt.node.pc-x86-64').toString('hex')}`];

function fixture(autoRegister: boolean): DhcpFixture {
  return {
    segment: {
      apiVersion: 'walt.dev/v1alpha1',
      kind: 'WaltSegment',
      metadata: { name: 'lab' },
      spec: {
        interface: 'br0',
        subnet: '10.78.0.0/24',
        serverAddress: SERVER,
        dhcp: { mode: 'authoritative', range: { start: '10.78.0.100', end: '10.78.0.150' }, leaseTime: '1h' },
        autoRegister,
      },
    } as DhcpFixture['segment'],
    nodes: [],
    images: [],
    rootfs: {},
  };
}

interface Agent {
  child: ChildProcess;
  output: string[];
}

async function startAgent(segment: Segment, dir: string, autoRegister: boolean): Promise<Agent> {
  const fixtureFile = path.join(dir, `fixture-${autoRegister}.json`);
  await writeFile(fixtureFile, JSON.stringify(fixture(autoRegister)));
  const child = spawn(
    'ip',
    [
      'netns',
      'exec',
      segment.ns,
      tsx,
      path.join(root, 'test/support/dhcp-agent.ts'),
      fixtureFile,
      path.join(dir, `leases-${autoRegister}.json`),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, KUBECONFIG: '/nonexistent' } },
  );
  const output: string[] = [];
  child.stdout
    ?.setEncoding('utf8')
    .on('data', (chunk: string) => output.push(...chunk.split('\n').filter(Boolean)));
  await waitFor(
    'the DHCP agent READY',
    () => Promise.resolve(output.includes('READY') ? true : undefined),
    30_000,
  );
  return { child, output };
}

async function stopAgent(agent: Agent | undefined): Promise<void> {
  if (!agent || agent.child.exitCode !== null) return;
  const exited = new Promise((resolve) => agent.child.once('exit', resolve));
  agent.child.kill('SIGTERM');
  await exited;
}

const discovered = (agent: Agent): Array<{ mac: string; model?: string }> =>
  agent.output
    .filter((l) => l.startsWith('{"discovered"'))
    .map((l) => (JSON.parse(l) as { discovered: { mac: string; model?: string } }).discovered);

describe.each([true, false])('unknown x86 PCs on a segment with autoRegister: %s', (autoRegister) => {
  let segment: Segment;
  let dir: string;
  let agent: Agent | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'walt-dhcp-discovery-'));
    segment = await createSegment({ subnet: '10.78.0.0/24', serverIp: SERVER });
    agent = await startAgent(segment, dir, autoRegister);
  });

  afterAll(async () => {
    await stopAgent(agent);
    if (segment) await destroySegment(segment);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['PXE BIOS', 'undionly.kpxe', BIOS],
    ['PXE UEFI x86-64', 'ipxe.efi', UEFI],
    ['iPXE', `http://${SERVER}/ipxe/boot.ipxe`, IPXE],
  ])('%s gets an address, and %s only with autoRegister', async (_what, file, args) => {
    const client = await addClient(segment);
    const env = await udhcpc(dir, client, [...args, '-O', '66', '-O', '67']);
    expect(env.ip).toMatch(/^10\.78\.0\.1\d\d$/);
    if (autoRegister) expect(env).toMatchObject({ boot_file: file, siaddr: SERVER, tftp: SERVER });
    else expect(env.boot_file ?? '').toBe('');
    expect(discovered(agent!)).toEqual([]);
  });

  it('iPXE announcing walt.node.pc-x86-64 gets no boot file yet and is reported as a node-like device', async () => {
    const client = await addClient(segment);
    const env = await udhcpc(dir, client, ANNOUNCED);
    expect(env.boot_file ?? '').toBe('');
    const reported = discovered(agent!).filter((d) => d.mac === client.mac);
    // The DHCP server reports it either way; the service registers it only with autoRegister
    // (agents/dhcp/service.ts admit()), covered by test/integration/agent-dhcp.test.ts.
    expect(reported[0]).toMatchObject({ model: 'pc-x86-64' });
  });
});
