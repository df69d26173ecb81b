// The boot agent as it runs for real: its own process in the segment's network namespace, owning the
// segment's interface, reading WaltSegments and WaltNodes from the real apiserver (reached through a
// bridge), serving DHCP to reference clients; unknown WalT nodes become WaltNodes (auto-registration)
// and the segment status shows the agent's heartbeat and leases in use.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { RESOURCES, type WaltNode, type WaltSegment } from '../../api/v1alpha1/index.js';
import { bridgeApiserver, type ApiserverBridge } from '../support/apiserver-bridge.js';
import { udhcpc } from '../support/dhcp-clients.js';
import { addClient, createSegment, destroySegment, randomMac, type Segment } from '../support/netns.js';
import { waitFor } from '../support/wait.js';
import { kubeConfig, uniqueName } from './support/cluster.js';

const root = path.resolve(import.meta.dirname, '..', '..');

/** Stops the agent and whatever it started (tsx runs node as a child): the whole process group. */
async function stopGroup(child: ChildProcess | undefined): Promise<void> {
  if (!child?.pid || child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(-child.pid, 'SIGTERM');
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
  child.stdout?.destroy();
  child.stderr?.destroy();
}

describe('boot agent in its own network namespace: DHCP from the cluster state', () => {
  const kc = kubeConfig();
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const segmentName = uniqueName('seg');
  const knownMac = randomMac('52:54:00');
  const strangerMac = randomMac('52:54:00');
  let net: Segment;
  let bridge: ApiserverBridge;
  let agent: ChildProcess;
  let dir: string;
  let agentLog = '';

  const getSegment = (): Promise<WaltSegment> =>
    api.getClusterCustomObject({ ...RESOURCES.segment, name: segmentName }) as Promise<WaltSegment>;
  const listNodes = async (): Promise<WaltNode[]> =>
    ((await api.listClusterCustomObject({ ...RESOURCES.node })) as { items: WaltNode[] }).items;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'walt-agent-dhcp-'));
    net = await createSegment({ subnet: '10.78.0.0/24', serverIp: '10.78.0.1' });
    bridge = await bridgeApiserver(net.ns, kc.getCurrentCluster()!.server);
    await api.createClusterCustomObject({
      ...RESOURCES.segment,
      body: {
        apiVersion: 'walt.dev/v1alpha1',
        kind: 'WaltSegment',
        metadata: { name: segmentName },
        spec: {
          interface: net.bridge,
          subnet: '10.78.0.0/24',
          serverAddress: '10.78.0.1',
          dhcp: { mode: 'authoritative', range: { start: '10.78.0.100', end: '10.78.0.199' } },
          autoRegister: true,
        },
      },
    });
    await api.createClusterCustomObject({
      ...RESOURCES.node,
      body: {
        apiVersion: 'walt.dev/v1alpha1',
        kind: 'WaltNode',
        metadata: { name: uniqueName('known') },
        spec: { mac: knownMac, model: 'pc-x86-64', segment: segmentName },
      },
    });
    agent = spawn(
      'ip',
      [
        'netns',
        'exec',
        net.ns,
        path.join(root, 'node_modules', '.bin', 'tsx'),
        path.join(root, 'agents', 'main.ts'),
        '--segment',
        segmentName,
        '--dhcp',
        '--cache-dir',
        path.join(dir, 'cache'),
        '--health-port',
        '0',
        '--lease-namespace',
        'default',
        '--identity',
        'agent-netns',
      ],
      { env: { ...process.env, WALT_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    agent.stdout!.on('data', (d: Buffer) => (agentLog += d.toString()));
    agent.stderr!.on('data', (d: Buffer) => (agentLog += d.toString()));
    // The agent reports a heartbeat in the segment status once DHCP serves.
    await waitFor(
      'the agent heartbeat',
      async () => (await getSegment()).status?.agent?.lastHeartbeat,
      60000,
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\n--- agent log ---\n${agentLog.slice(-4000)}`);
    });
  }, 120000);

  afterAll(async () => {
    await stopGroup(agent);
    for (const node of await listNodes()) {
      if (node.spec.segment === segmentName)
        await api.deleteClusterCustomObject({ ...RESOURCES.node, name: node.metadata.name });
    }
    await api.deleteClusterCustomObject({ ...RESOURCES.segment, name: segmentName }).catch(() => undefined);
    await bridge?.stop();
    if (net) await destroySegment(net);
    await rm(dir, { recursive: true, force: true });
  });

  it('gives a registered node its address; its image is not ready, so no boot file', async () => {
    const client = await addClient(net, { mac: knownMac });
    const env = await udhcpc(dir, client, ['-V', 'walt.node.pc-x86-64', '-O', '67']);
    expect(env.ip).toMatch(/^10\.78\.0\.\d+$/);
    expect(env.serverid).toBe('10.78.0.1');
    expect(env.boot_file).toBeUndefined();
  });

  it('registers an unknown WalT node announcing its model (autoRegister), with an address from the range', async () => {
    const client = await addClient(net, { mac: strangerMac });
    const env = await udhcpc(dir, client, ['-V', 'walt.node.pc-x86-64']);
    const last = Number(env.ip!.split('.')[3]);
    expect(last).toBeGreaterThanOrEqual(100);
    expect(last).toBeLessThanOrEqual(199);
    const discovered = await waitFor('the discovered WaltNode', async () =>
      (await listNodes()).find((n) => n.spec.mac === strangerMac.toLowerCase()),
    );
    expect(discovered.metadata.name).toBe(`node-${strangerMac.toLowerCase().split(':').slice(3).join('')}`);
    expect(discovered.metadata.labels).toMatchObject({ 'walt.dev/discovered': 'true' });
    expect(discovered.spec).toMatchObject({ model: 'pc-x86-64', segment: segmentName });
  });

  it('shows the leases in use in the segment status', async () => {
    const segment = await waitFor('two leases in use', async () => {
      const s = await getSegment();
      return (s.status?.leasesInUse ?? 0) >= 2 ? s : undefined;
    });
    expect(segment.status?.agent?.host).toBeTruthy();
  });
});
