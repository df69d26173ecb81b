// Raspberry Pi boot files from the real agent: a registered Pi 4 (firmware 'rpi') fetches
// <serial>/cmdline.txt and config.txt with tftp-hpa (Debian's client, not ours) as its EEPROM
// firmware would, from an image that has /boot/rpi-4-b/ with a kernel, initrd, device tree and its own
// cmdline.txt but no config.txt; a Pi 400 on the same image, whose /boot/rpi-400/ has a config.txt,
// gets that one. The image is pulled from a test registry, resolved by the operator and unpacked by
// the agent; the node takes its address from the agent's DHCP.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { RESOURCES, type WaltImage } from '../../api/v1alpha1/index.js';
import { createOperator } from '../../operator/main.js';
import type { Manager } from '../../runtime/index.js';
import {
  bridgeApiserver,
  bridgeLoopbackPort,
  type ApiserverBridge,
} from '../../local/lab/apiserver-bridge.js';
import { startRegistry, type TestRegistry } from '../../local/lab/registry.js';
import { udhcpc } from '../support/dhcp-clients.js';
import { stop } from '../support/fault-processes.js';
import {
  addClient,
  createSegment,
  destroySegment,
  exec,
  randomMac,
  type Client,
  type Segment,
} from '../support/netns.js';
import { buildImage, pushLayout } from '../support/oci-builder.js';
import { startSegmentAgent, withAgentLog, type SegmentAgent } from '../support/segment-agent.js';
import { waitFor } from '../support/wait.js';
import { kubeConfig, testNamespace, uniqueName } from './support/cluster.js';

const SERVER = '10.84.0.1';
const SERIAL = '1a2b3c4d';
const IMAGE_CMDLINE = 'console=serial0,115200 console=tty1 root=/dev/mmcblk0p2 rootwait quiet\n';
const PI400_CONFIG = 'arm_64bit=1\nkernel=vmlinuz\n# the image own config.txt\n';

describe('Raspberry Pi cmdline.txt and config.txt over TFTP from the real agent', () => {
  const kc = kubeConfig();
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const segmentName = uniqueName('rpi');
  const pi4 = { name: uniqueName('pi4'), mac: randomMac('dc:a6:32') };
  const pi400 = { name: uniqueName('pi400'), mac: randomMac('e4:5f:01') };
  let net: Segment;
  let bridges: ApiserverBridge[] = [];
  let registry: TestRegistry;
  let operator: Manager;
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  let agent: SegmentAgent | undefined;
  let dir: string;

  /** tftp-hpa in the client's namespace; the file's text. */
  async function tftpGet(client: Client, remote: string): Promise<string> {
    const local = path.join(dir, `${client.mac.replaceAll(':', '')}-${remote.replaceAll('/', '_')}`);
    await exec(client.ns, 'tftp', ['-m', 'binary', SERVER, '-c', 'get', remote, local]);
    return readFile(local, 'utf8');
  }

  async function plugPi(pi: { mac: string }): Promise<{ client: Client; ip: string }> {
    const client = await addClient(net, { mac: pi.mac });
    // The Pi firmware's DHCP (vendor class of the ROM/EEPROM bootloader, walt-reference §4.3 a).
    const env = await udhcpc(dir, client, ['-V', 'PXEClient:Arch:00000:UNDI:002001'], { configure: true });
    return { client, ip: env.ip! };
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'walt-rpi-'));
    net = await createSegment({ subnet: '10.84.0.0/24', serverIp: SERVER });
    bridges.push(await bridgeApiserver(net.ns, kc.getCurrentCluster()!.server));
    registry = await startRegistry();
    bridges.push(await bridgeLoopbackPort(net.ns, Number(registry.host.split(':')[1])));
    // A small arm64 image: the Pi 4's boot files with its own cmdline.txt and no config.txt; the Pi
    // 400's with a config.txt of its own.
    const image = await buildImage(path.join(dir, 'image'), {
      layers: [
        [
          { path: 'boot', type: 'dir' },
          { path: 'boot/rpi-4-b', type: 'dir' },
          { path: 'boot/rpi-4-b/vmlinuz', type: 'file', content: 'not a kernel\n' },
          { path: 'boot/rpi-4-b/initrd.img', type: 'file', content: 'initrd\n' },
          { path: 'boot/rpi-4-b/bcm2711-rpi-4-b.dtb', type: 'file', content: 'dtb\n' },
          { path: 'boot/rpi-4-b/cmdline.txt', type: 'file', content: IMAGE_CMDLINE },
          { path: 'boot/rpi-400', type: 'dir' },
          { path: 'boot/rpi-400/vmlinuz', type: 'file', content: 'not a kernel\n' },
          { path: 'boot/rpi-400/config.txt', type: 'file', content: PI400_CONFIG },
        ],
      ],
      config: { architecture: 'arm64', os: 'linux', labels: { 'walt.node.models': 'rpi-4-b,rpi-400' } },
    });
    const ref = await pushLayout(image.dir, image.tag, registry, { repository: 'walt/rpi' });
    ns = await testNamespace('rpi');
    operator = createOperator({
      kc,
      identity: 'rpi-test-operator',
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
        metadata: { name: 'pi' },
        spec: { ref, insecureRegistry: true },
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
          subnet: '10.84.0.0/24',
          serverAddress: SERVER,
          dhcp: { mode: 'authoritative', range: { start: '10.84.0.100', end: '10.84.0.199' } },
        },
      },
    });
    for (const [pi, model] of [
      [pi4, 'rpi-4-b'],
      [pi400, 'rpi-400'],
    ] as const)
      await api.createClusterCustomObject({
        ...RESOURCES.node,
        body: {
          apiVersion: 'walt.dev/v1alpha1',
          kind: 'WaltNode',
          metadata: { name: pi.name },
          spec: { mac: pi.mac, model, segment: segmentName, image: `${ns.name}/pi` },
        },
      });
    agent = await startSegmentAgent({
      admin: kc,
      dir,
      ns: net.ns,
      segment: segmentName,
      cacheDir: path.join(dir, 'cache'),
      identity: 'agent-rpi',
      args: ['--nfs-grace', '2s', '--boot-cache-mib', '0'],
    });
    await waitFor(
      'the image unpacked on the segment',
      async () => {
        const image = (await api.getNamespacedCustomObject({
          ...RESOURCES.image,
          namespace: ns.name,
          name: 'pi',
        })) as WaltImage;
        const entry = image.status?.segments?.find((s) => s.segment === segmentName);
        return entry?.conditions?.some((c) => c.type === 'Unpacked' && c.status === 'True')
          ? true
          : undefined;
      },
      120_000,
    ).catch((error: unknown) => {
      throw withAgentLog(agent, error);
    });
  }, 240_000);

  afterAll(async () => {
    const image = { ...RESOURCES.image, namespace: ns?.name ?? '', name: 'pi' };
    // The image carries the agent's finalizer: deleted while the agent runs, else the finalizer goes by hand.
    await api.deleteNamespacedCustomObject(image).catch(() => undefined);
    const gone = await waitFor(
      'the image to go',
      () =>
        api.getNamespacedCustomObject(image).then(
          () => undefined,
          () => true,
        ),
      30_000,
    ).then(
      () => true,
      () => false,
    );
    if (!gone)
      await api
        .patchNamespacedCustomObject(
          { ...image, body: { metadata: { finalizers: [] } } },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
        )
        .catch(() => undefined);
    await stop(agent);
    for (const pi of [pi4, pi400])
      await api.deleteClusterCustomObject({ ...RESOURCES.node, name: pi.name }).catch(() => undefined);
    await api.deleteClusterCustomObject({ ...RESOURCES.segment, name: segmentName }).catch(() => undefined);
    await operator?.stop();
    for (const bridge of bridges) await bridge.stop();
    bridges = [];
    await registry?.stop();
    await ns?.remove();
    if (net) await destroySegment(net);
    await rm(dir, { recursive: true, force: true });
  }, 120_000);

  it('serves the Pi 4 a generated cmdline.txt: its image console arguments, then the NFS root of an x86 node', async () => {
    const { client, ip } = await plugPi(pi4);
    const cmdline = await tftpGet(client, `${SERIAL}/cmdline.txt`);
    expect(cmdline.endsWith('\n')).toBe(true);
    expect(cmdline.trim().split('\n')).toHaveLength(1);
    const args = cmdline.trim().split(' ');
    // The image's arguments first, without its own root
    expect(args.slice(0, 4)).toEqual(['console=serial0,115200', 'console=tty1', 'rootwait', 'quiet']);
    expect(args).not.toContain('root=/dev/mmcblk0p2');
    // Then what an x86 node's iPXE script passes, with the leased address filled in
    expect(args).toContain('root=/dev/nfs');
    expect(args.find((a) => a.startsWith('nfsroot='))).toMatch(
      /^nfsroot=10\.84\.0\.1:\/images\/[0-9a-f]+,vers=3,nolock,tcp,nocto$/,
    );
    expect(args).toContain(`ip=${ip}:${SERVER}::255.255.255.0:${pi4.name}::off`);
    expect(args).toEqual(
      expect.arrayContaining(['ro', 'init=/walt/init', `walt.node=${pi4.name}`, `walt.server=${SERVER}`]),
    );
    // The plain path (a Pi 3B+ has no serial prefix) gets the same
    expect(await tftpGet(client, 'cmdline.txt')).toBe(cmdline);
  });

  it('serves the Pi 4 a default config.txt when the image has none', async () => {
    const client = net.clients.find((c) => c.mac === pi4.mac)!;
    const config = await tftpGet(client, `${SERIAL}/config.txt`);
    const settings = config.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(settings).toEqual([
      'arm_64bit=1',
      'kernel=vmlinuz',
      'initramfs initrd.img followkernel',
      'device_tree=bcm2711-rpi-4-b.dtb',
      'enable_uart=1',
    ]);
    expect(await tftpGet(client, 'config.txt')).toBe(config);
    // And the image's own files come from its /boot/rpi-4-b/ as before
    expect(await tftpGet(client, `${SERIAL}/bcm2711-rpi-4-b.dtb`)).toBe('dtb\n');
  });

  it("serves the Pi 400 its image's own config.txt, and a cmdline.txt with the default consoles", async () => {
    const { client } = await plugPi(pi400);
    expect(await tftpGet(client, `${SERIAL}/config.txt`)).toBe(PI400_CONFIG);
    const cmdline = await tftpGet(client, `${SERIAL}/cmdline.txt`);
    expect(cmdline).toMatch(
      new RegExp(`^console=serial0,115200 console=tty1 root=/dev/nfs .* walt\\.node=${pi400.name} `),
    );
  });

  it('did it as its own ServiceAccount, never refused by the apiserver', () => {
    expect(agent?.refusals()).toEqual([]);
  });
});
