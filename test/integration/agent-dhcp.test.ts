// The boot agent as it runs for real: its own process in the segment's network namespace, owning the
// segment's interface, reading the cluster state from the real apiserver (reached through a bridge),
// pulling an image from a real registry, and serving DHCP, TFTP and HTTP to reference clients: a node
// whose image is ready gets the iPXE path, its script, kernel and boot files, and its bootup
// notification sets its WaltNode status; unknown WalT nodes become WaltNodes (auto-registration); the
// segment status shows the agent's heartbeat and leases in use.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { RESOURCES, type WaltNode, type WaltSegment } from '../../api/v1alpha1/index.js';
import { PERSIST_OWNER } from '../../agents/nfs/ganesha-config.js';
import { createOperator } from '../../operator/main.js';
import type { Manager } from '../../runtime/index.js';
import {
  bridgeApiserver,
  bridgeLoopbackPort,
  type ApiserverBridge,
} from '../../local/lab/apiserver-bridge.js';
import { buildImage, pushLayout } from '../support/oci-builder.js';
import { startRegistry, type TestRegistry } from '../../local/lab/registry.js';
import { udhcpc } from '../support/dhcp-clients.js';
import { addClient, createSegment, destroySegment, exec, randomMac, type Segment } from '../support/netns.js';
import { stop } from '../support/fault-processes.js';
import { startSegmentAgent, withAgentLog, type SegmentAgent } from '../support/segment-agent.js';
import { waitFor } from '../support/wait.js';
import { kubeConfig, testNamespace, uniqueName } from './support/cluster.js';

describe('boot agent in its own network namespace: DHCP from the cluster state', () => {
  const kc = kubeConfig();
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const segmentName = uniqueName('seg');
  const knownMac = randomMac('52:54:00');
  const strangerMac = randomMac('52:54:00');
  const bootableMac = randomMac('52:54:00');
  const bootableName = uniqueName('vn');
  const kernel = Buffer.from('this is not really a kernel, but it is served like one\n'.repeat(4000));
  let net: Segment;
  let bridge: ApiserverBridge;
  let registryBridge: ApiserverBridge;
  let registry: TestRegistry;
  let operator: Manager;
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  let agent: SegmentAgent | undefined;
  let dir: string;
  let rootExport = '';
  let bootableIp = '';
  let bootableNs = '';

  const getSegment = (): Promise<WaltSegment> =>
    api.getClusterCustomObject({ ...RESOURCES.segment, name: segmentName }) as Promise<WaltSegment>;
  const listNodes = async (): Promise<WaltNode[]> =>
    ((await api.listClusterCustomObject({ ...RESOURCES.node })) as { items: WaltNode[] }).items;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'walt-agent-dhcp-'));
    net = await createSegment({ subnet: '10.78.0.0/24', serverIp: '10.78.0.1' });
    bridge = await bridgeApiserver(net.ns, kc.getCurrentCluster()!.server);
    // An image with boot files, in a registry the agent reaches from its namespace.
    registry = await startRegistry();
    registryBridge = await bridgeLoopbackPort(net.ns, Number(registry.host.split(':')[1]));
    const image = await buildImage(path.join(dir, 'image'), {
      layers: [
        [
          { path: 'boot', type: 'dir' },
          { path: 'boot/pc-x86-64', type: 'dir' },
          { path: 'boot/pc-x86-64/vmlinuz', type: 'file', content: kernel },
          { path: 'boot/pc-x86-64/initrd.img', type: 'file', content: 'initrd\n' },
          { path: 'boot/pc-x86-64/hello.txt', type: 'file', content: 'hello over tftp\n' },
        ],
      ],
      config: { architecture: 'amd64', os: 'linux', labels: { 'walt.node.models': 'pc-x86-64' } },
    });
    const ref = await pushLayout(image.dir, image.tag, registry, { repository: 'walt/bootable' });
    ns = await testNamespace('agent');
    operator = createOperator({
      kc,
      identity: 'agent-test-operator',
      healthPort: 0,
      handleSignals: false,
      namespace: ns.name,
    });
    await operator.start();
    await api.createNamespacedCustomObject({
      ...RESOURCES.image,
      namespace: ns.name,
      body: {
        apiVersion: 'walt.dev/v1alpha1',
        kind: 'WaltImage',
        metadata: { name: 'bootable' },
        spec: { ref, insecureRegistry: true },
      },
    });
    await api.createClusterCustomObject({
      ...RESOURCES.node,
      body: {
        apiVersion: 'walt.dev/v1alpha1',
        kind: 'WaltNode',
        metadata: { name: bootableName },
        spec: { mac: bootableMac, model: 'pc-x86-64', segment: segmentName, image: `${ns.name}/bootable` },
      },
    });
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
    agent = await startSegmentAgent({
      admin: kc,
      dir,
      ns: net.ns,
      segment: segmentName,
      cacheDir: path.join(dir, 'cache'),
      identity: 'agent-netns',
      // Boot files from disk here; the e2e suites boot VMs with the caches on (the default).
      args: ['--nfs-grace', '2s', '--boot-cache-mib', '0'],
    });
    // The agent reports a heartbeat in the segment status once DHCP serves.
    await waitFor(
      'the agent heartbeat',
      async () => (await getSegment()).status?.agent?.lastHeartbeat,
      60000,
    ).catch((error: unknown) => {
      throw withAgentLog(agent, error);
    });
  }, 120000);

  afterAll(async () => {
    try {
      await deleteImageWhileAgentRuns('other');
      await deleteImageWhileAgentRuns('bootable');
    } finally {
      // Whatever happened above, the agent process must go, or its pipes keep jest alive.
      await stop(agent);
      await cleanUp();
    }
  }, 120000);

  /** The image carries the agent's finalizer: delete it while the agent runs, so its cache is collected. */
  async function deleteImageWhileAgentRuns(name: string): Promise<void> {
    const image = { ...RESOURCES.image, namespace: ns.name, name };
    await api.deleteNamespacedCustomObject(image).catch(() => undefined);
    const gone = await waitFor(
      'the image to go',
      () =>
        api.getNamespacedCustomObject(image).then(
          () => undefined,
          () => true,
        ),
      30000,
    ).then(
      () => true,
      () => false,
    );
    if (gone) return;
    process.stderr.write(
      `[agent-dhcp] image deletion stuck; agent log tail:\n${agent?.log().slice(-6000)}\n`,
    );
    await api.patchNamespacedCustomObject(
      { ...image, body: { metadata: { finalizers: [] } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
  }

  async function cleanUp(): Promise<void> {
    for (const node of await listNodes().catch(() => [])) {
      if (node.spec.segment !== segmentName) continue;
      await api
        .deleteClusterCustomObject({ ...RESOURCES.node, name: node.metadata.name })
        .catch(() => undefined);
    }
    await api.deleteClusterCustomObject({ ...RESOURCES.segment, name: segmentName }).catch(() => undefined);
    await operator?.stop();
    await bridge?.stop();
    await registryBridge?.stop();
    await registry?.stop();
    await ns?.remove();
    if (net) await destroySegment(net);
    await rm(dir, { recursive: true, force: true });
  }

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

  it('boots a node whose image is ready: iPXE path, script, kernel over HTTP, file over TFTP, bootup → Ready', async () => {
    // Given the image unpacked on this segment by the agent
    await waitFor(
      'the image unpacked on the segment',
      async () => {
        const image = (await api.getNamespacedCustomObject({
          ...RESOURCES.image,
          namespace: ns.name,
          name: 'bootable',
        })) as {
          status?: { conditions?: Array<{ type: string; status: string }> };
        };
        return image.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')
          ? true
          : undefined;
      },
      60000,
    );
    // When iPXE (option 175) asks for an address
    const client = await addClient(net, { mac: bootableMac });
    const env = await udhcpc(
      dir,
      client,
      ['-V', 'PXEClient:Arch:00000:UNDI:002001', '-x', '0xaf:b10101', '-x', '93:0000'],
      { configure: true },
    );
    // Then it is pointed at its HTTP script
    expect(env.boot_file).toBe('http://10.78.0.1/ipxe/boot.ipxe');
    const script = (await exec(client.ns, 'curl', ['-sf', env.boot_file!])).stdout;
    expect(script).toMatch(/^#!ipxe/);
    const kernelUrl = /kernel (\S+)/.exec(script)![1]!;
    expect(script).toContain('nfsroot=10.78.0.1:/images/');
    expect(script).toContain('init=/walt/init');
    rootExport = /nfsroot=10\.78\.0\.1:(\/images\/[0-9a-f]+),/.exec(script)![1]!;
    bootableIp = env.ip!;
    bootableNs = client.ns;
    // And the kernel comes over HTTP, a byte range too
    const fetched = await exec(client.ns, 'curl', ['-sf', kernelUrl]);
    expect(fetched.stdout.length).toBe(kernel.length);
    const range = await exec(client.ns, 'curl', ['-sf', '-r', '0-3', kernelUrl]);
    expect(range.stdout).toBe('this');
    // And boot files come over TFTP from the image's /boot/pc-x86-64/
    const local = path.join(dir, 'hello.txt');
    await exec(client.ns, 'busybox', ['tftp', '-g', '-r', 'hello.txt', '-l', local, '10.78.0.1']);
    expect(await import('node:fs/promises').then((fs) => fs.readFile(local, 'utf8'))).toBe(
      'hello over tftp\n',
    );
    // When the node notifies its bootup, then its WaltNode is Ready with its address and image
    await exec(client.ns, 'curl', [
      '-sf',
      '-X',
      'POST',
      `http://10.78.0.1/api/v1/nodes/${bootableName}/bootup`,
    ]);
    const node = await waitFor('the node Ready', async () => {
      const n = (await api.getClusterCustomObject({ ...RESOURCES.node, name: bootableName })) as WaltNode;
      return n.status?.phase === 'Ready' ? n : undefined;
    });
    expect(node.status).toMatchObject({ ip: env.ip, bootedImage: { name: `${ns.name}/bootable` } });
  });

  it("a bootup ends the poll of the previous boot: a command sent after it waits for the new boot's loop", async () => {
    expect(bootableNs).not.toBe('');
    const nodeApi = `http://10.78.0.1/api/v1/nodes/${bootableName}`;
    const curl = (...args: string[]): Promise<{ stdout: string }> =>
      exec(bootableNs, 'curl', ['-s', '--max-time', '40', ...args], 45_000);
    // Given a poll of boot A waiting, as a hard reset leaves it (no FIN ever comes)
    const stale = curl('-w', '%{http_code}', `${nodeApi}/commands/next?wait=30&boot=boot-a`);
    await waitFor('the command channel up', () =>
      Promise.resolve(/"node":"[^"]+".*command channel up/.test(agent!.log()) ? true : undefined),
    );
    // When boot B notifies its bootup
    await curl(
      '-f',
      '-H',
      'content-type: application/json',
      '-d',
      '{"bootId":"boot-b"}',
      `${nodeApi}/bootup`,
    );
    // And a command is sent right after (a controller that saw the node Ready)
    const secretRef = (await getSegment()).status?.agent?.tokenSecret;
    expect(secretRef).toBeDefined();
    const secret = await kc
      .makeApiClient(k8s.CoreV1Api)
      .readNamespacedSecret({ namespace: secretRef!.namespace, name: secretRef!.name });
    const token = Buffer.from(secret.data?.token ?? '', 'base64').toString();
    const ran = curl(
      '-f',
      '-H',
      `authorization: Bearer ${token}`,
      '-H',
      'content-type: application/json',
      '-d',
      JSON.stringify({ command: ['echo', 'hi'], timeoutSeconds: 20 }),
      `${nodeApi}/exec`,
    );
    // Then boot A's poll got nothing (a command handed to it would be lost with the dead connection)
    expect((await stale).stdout).toBe('204');
    // And the command goes to boot B's loop, whose result answers it
    const dispatch = (await curl('-f', `${nodeApi}/commands/next?wait=30&boot=boot-b`)).stdout;
    const id = dispatch.split('\n')[0]!;
    expect(dispatch).toContain("'echo' 'hi'");
    await curl(
      '-f',
      '-H',
      'content-type: application/octet-stream',
      '--data-binary',
      'hi from boot b',
      `${nodeApi}/commands/${id}/result?exit=0`,
    );
    expect(JSON.parse((await ran).stdout)).toMatchObject({ exitCode: 0, output: 'hi from boot b' });
  });

  it('exports the image over NFS read-only to the segment, with the node files at /walt', async () => {
    expect(rootExport).not.toBe('');
    const list = async (where: string): Promise<string> =>
      (await exec(bootableNs, 'nfs-ls', [`nfs://10.78.0.1${where}`])).stdout;
    // The image's files and the injected node files, side by side
    expect(await list(`${rootExport}/boot/pc-x86-64`)).toMatch(/hello\.txt/);
    const walt = await list(`${rootExport}/walt`);
    for (const file of ['init', 'notify-bootup', 'lib.sh', 'image.env']) expect(walt).toContain(file);
    // Read-only: a write is refused by the read-only export (not for any other reason), and the cached
    // image is untouched
    const local = path.join(dir, 'written.txt');
    await writeFile(local, 'nope\n');
    await expect(
      exec(bootableNs, 'nfs-cp', [local, `nfs://10.78.0.1${rootExport}/written.txt`]),
    ).rejects.toMatchObject({
      stderr: expect.stringMatching(/CREATE of \/written\.txt failed with NFS3ERR_ROFS/) as string,
    });
  });

  it("exports /persist read-write to the node's address only", async () => {
    const local = path.join(dir, 'persisted.txt');
    await writeFile(local, 'kept across reboots\n');
    const url = `nfs://10.78.0.1/persist/${bootableName}/persisted.txt`;
    await waitFor('the /persist export', () =>
      exec(bootableNs, 'nfs-cp', [local, url]).then(
        () => true,
        () => undefined,
      ),
    );
    const stored = path.join(dir, 'cache', 'nfs', 'persist', bootableName, ns.name, 'persisted.txt');
    expect(await readFile(stored, 'utf8')).toBe('kept across reboots\n');
    // Written as root (nfs-cp sends uid 0), stored as the squashed owner (All_Squash): no root file on our disk
    expect((await stat(stored)).uid).toBe(PERSIST_OWNER.uid);
    // Another machine of the segment may not mount it: the mount itself is refused (MNT3ERR_ACCES). ganesha
    // answers MNT3ERR_ACCES for a path it does not export too, so the node lists the same URL first: the
    // export is there, and the refusal is the client restriction.
    const persistUrl = `nfs://10.78.0.1/persist/${bootableName}`;
    expect((await exec(bootableNs, 'nfs-ls', [persistUrl])).stdout).toContain('persisted.txt');
    const other = await addClient(net);
    await udhcpc(dir, other, [], { configure: true });
    await expect(exec(other.ns, 'nfs-ls', [persistUrl])).rejects.toMatchObject({
      stderr: expect.stringMatching(/Mount failed with error MNT3ERR_ACCES/) as string,
    });
    expect(bootableIp).toMatch(/^10\.78\.0\./);
  });

  it('exports the new image when the node switches, and drops the old one after the grace period', async () => {
    const other = await buildImage(path.join(dir, 'other'), {
      layers: [
        [
          { path: 'boot', type: 'dir' },
          { path: 'boot/pc-x86-64', type: 'dir' },
          { path: 'boot/pc-x86-64/vmlinuz', type: 'file', content: 'another kernel\n' },
          { path: 'etc', type: 'dir' },
          { path: 'etc/marker', type: 'file', content: 'second image\n' },
        ],
      ],
      config: { architecture: 'amd64', os: 'linux', labels: { 'walt.node.models': 'pc-x86-64' } },
    });
    const ref = await pushLayout(other.dir, other.tag, registry, { repository: 'walt/other' });
    await api.createNamespacedCustomObject({
      ...RESOURCES.image,
      namespace: ns.name,
      body: {
        apiVersion: 'walt.dev/v1alpha1',
        kind: 'WaltImage',
        metadata: { name: 'other' },
        spec: { ref, insecureRegistry: true },
      },
    });
    await api.patchClusterCustomObject(
      { ...RESOURCES.node, name: bootableName, body: { spec: { image: `${ns.name}/other` } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    const newExport = await waitFor(
      'the boot script to name the new export',
      async () => {
        // Not yet: the retry script until the new image is unpacked; a failed request (seen once in a
        // full run, cause not found) is asked again too
        const script = await exec(bootableNs, 'curl', ['-sf', 'http://10.78.0.1/ipxe/boot.ipxe']).then(
          (r) => r.stdout,
          () => '',
        );
        const found = /nfsroot=10\.78\.0\.1:(\/images\/[0-9a-f]+),/.exec(script)?.[1];
        return found !== undefined && found !== rootExport ? found : undefined;
      },
      // A pull and unpack of the new image on a loaded machine (the whole suite runs beside it)
      150_000,
    );
    const etc = await waitFor('the new export', () =>
      exec(bootableNs, 'nfs-ls', [`nfs://10.78.0.1${newExport}/etc`]).then(
        (r) => r.stdout,
        () => undefined,
      ),
    );
    expect(etc).toContain('marker');
    // The old image is no longer exported once the grace period is over
    await waitFor('the old export to go', () =>
      exec(bootableNs, 'nfs-ls', [`nfs://10.78.0.1${rootExport}/walt`]).then(
        () => undefined,
        () => true,
      ),
    );
  }, 240_000);

  it('shows the leases in use in the segment status', async () => {
    const segment = await waitFor('two leases in use', async () => {
      const s = await getSegment();
      return (s.status?.leasesInUse ?? 0) >= 2 ? s : undefined;
    });
    expect(segment.status?.agent?.host).toBeTruthy();
  });

  it('did all of the above as its own ServiceAccount, never refused by the apiserver', () => {
    expect(agent!.refusals()).toEqual([]);
  });
});
