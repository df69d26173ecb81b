// End to end, WalT's discovery of a new PC: a qemu x86 machine whose MAC no WaltNode has is plugged into
// a segment with autoRegister and nothing else is done. It becomes the WaltNode node-<mac tail> (model
// pc-x86-64, label walt.dev/discovered), the operator's default-images controller creates the WaltImage
// walt-system/pc-x86-64-default it boots (from the lab registry, where the lab pushed the default image
// under walt/<model>-default:latest), and it reaches Ready on it; `walt node show` (the built CLI) lists it.
// Two firmware paths, one machine at a time (TCG, a shared 2-core machine):
// - UEFI: OVMF's own PXE client (NIC without option ROM) asks as x86-64 UEFI PXE (arch 7), gets
//   ipxe.efi by TFTP (Debian `ipxe`), whose DHCP gets the discovery script over HTTP;
// - BIOS: SeaBIOS with qemu's NIC ROM. That ROM is iPXE (Debian `ipxe-qemu`), so this is the "iPXE
//   directly" path: its first DHCP already gets the discovery script. The BIOS undionly.kpxe chainload
//   is not booted here (qemu has no non-iPXE PXE ROM); the DHCP unit tests cover what it is handed.
// The discovery script learns the model (x86_64 iPXE build, or cpuid --ext 29), asks DHCP again with the
// user class walt.node.pc-x86-64 (→ registration), then chains the node's script, which waits while the
// default image is created and unpacked. Plug-in → registered → image Ready → node Ready are printed
// per path, figures for docs/boot.md, never thresholds.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { RESOURCES, type WaltImage, type WaltNode } from '../../api/v1alpha1/index.js';
import { discoveredNodeName } from '../../agents/dhcp/service.js';
import { ensureDefaultImage } from '../../local/default-image/image.js';
import { pushDefaultImages } from '../../local/lab/default-images.js';
import { startLab, tailOf, type Lab } from '../../local/lab/lab.js';
import { applyAll, labSegment } from '../../local/lab/resources.js';
import { startBiosVm, QEMU_IPXE_ROM } from '../support/discovery-vm.js';
import {
  OVMF_CODE,
  OVMF_VARS,
  requireFirmware,
  startFirmwareVm,
  type FirmwareVm,
} from '../support/firmware-vm.js';
import { waitFor } from '../support/wait.js';
import { ensureCliBuilt, walt } from '../integration/cli-support.js';
import { kubeConfig, uniqueName } from '../integration/support/cluster.js';

const BOOT_TIMEOUT_MS = 8 * 60_000;
const SERVER = '10.77.0.1';
const SYSTEM = 'walt-system';
const DEFAULT_IMAGE = 'pc-x86-64-default';

/** The serial console without terminal escapes (firmware and iPXE colour and clear the screen). */
function plain(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;=?]*[A-Za-z]/g, '').replace(/\r/g, '');
}

interface Timeline {
  registered: number;
  imageReady: number;
  ready: number;
}

describe('an unknown x86 PC netbooting on an autoRegister segment becomes a node and boots its default image', () => {
  const kc = kubeConfig();
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const segment = uniqueName('disc');
  const netns = `wdisc-${process.pid}`;
  const macs = { uefi: '52:54:00:d1:5c:01', bios: '52:54:00:d1:5c:02' };
  let lab: Lab;
  let vm: FirmwareVm | undefined;
  let dir: string;

  const getNode = (name: string): Promise<WaltNode | undefined> =>
    (api.getClusterCustomObject({ ...RESOURCES.node, name }) as Promise<WaltNode>).catch(() => undefined);
  const getImage = (): Promise<WaltImage | undefined> =>
    (
      api.getNamespacedCustomObject({
        ...RESOURCES.image,
        namespace: SYSTEM,
        name: DEFAULT_IMAGE,
      }) as Promise<WaltImage>
    ).catch(() => undefined);
  const explain = (error: unknown): Error =>
    new Error(
      `${(error as Error).message}\n--- agent log ---\n${tailOf(lab.agentLogFile)}\n--- serial console ---\n` +
        plain(vm?.console() ?? '').slice(-5000),
    );

  /** Waits for the discovered node to register, its image to be Ready and itself to be Ready. */
  async function follow(name: string, pluggedAt: number): Promise<{ node: WaltNode; timeline: Timeline }> {
    const since = (): number => Date.now() - pluggedAt;
    const registered = await waitFor('the node registered', () => getNode(name), BOOT_TIMEOUT_MS).then(() =>
      since(),
    );
    const imageReady = await waitFor(
      'the default image Ready',
      async () =>
        (await getImage())?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')
          ? true
          : undefined,
      BOOT_TIMEOUT_MS,
    ).then(() => since());
    const node = await waitFor(
      'the node Ready',
      async () => {
        const n = await getNode(name);
        return n?.status?.phase === 'Ready' ? n : undefined;
      },
      BOOT_TIMEOUT_MS,
    );
    return { node, timeline: { registered, imageReady, ready: since() } };
  }

  async function expectDiscovered(name: string, mac: string, node: WaltNode): Promise<void> {
    expect(node.spec).toMatchObject({ mac, model: 'pc-x86-64', segment });
    expect(node.metadata.labels).toMatchObject({ 'walt.dev/discovered': 'true' });
    expect(node.status?.bootedImage?.name).toBe(`${SYSTEM}/${DEFAULT_IMAGE}`);
    expect(node.status?.ip).toMatch(/^10\.77\.0\.\d+$/);
    // The image is the controller's, from the repository the lab pushed to
    const image = await getImage();
    expect(image?.metadata.labels).toMatchObject({ 'walt.dev/managed-by': 'walt-default-images' });
    expect(image?.spec.ref).toBe(`${lab.registry.host}/walt/${DEFAULT_IMAGE}:latest`);
    // The built CLI shows it, Ready, with its model
    const shown = await walt(['node', 'show', '--all', '-o', 'wide']);
    expect({ code: shown.code, stderr: shown.stderr }).toEqual({ code: 0, stderr: '' });
    const row = shown.stdout.split('\n').find((l) => l.startsWith(`${name} `));
    expect(row?.split(/\s+/)).toEqual(expect.arrayContaining([name, 'pc-x86-64', 'Ready', mac]));
  }

  const report = (path_: string, t: Timeline): void => {
    process.stderr.write(
      `[discovery] ${path_}: plug-in → registered ${(t.registered / 1000).toFixed(1)} s, ` +
        `default image Ready ${(t.imageReady / 1000).toFixed(1)} s, node Ready ${(t.ready / 1000).toFixed(1)} s\n`,
    );
  };

  beforeAll(async () => {
    await requireFirmware([OVMF_CODE, OVMF_VARS, '/usr/lib/ipxe/ipxe.efi', QEMU_IPXE_ROM]);
    await ensureCliBuilt();
    dir = await mkdtemp(path.join(os.tmpdir(), 'walt-discovery-'));
    const image = await ensureDefaultImage();
    // All namespaces: the default image lives in walt-system
    lab = await startLab({
      kc,
      workDir: dir,
      segment,
      network: { ns: netns, bridge: 'br0', address: `${SERVER}/24` },
      defaultImages: true,
      logLevel: 'debug',
    });
    const pushed = await pushDefaultImages(image.layoutDir, image.tag, lab.registry.host);
    expect(pushed).toContain(`${lab.registry.host}/walt/${DEFAULT_IMAGE}:latest`);
    // labSegment has autoRegister: true. No WaltNode, no WaltImage: the machine brings both.
    await applyAll(kc, [
      labSegment(segment, { bridge: 'br0', subnet: '10.77.0.0/24', serverAddress: SERVER }),
    ]);
    expect(await getImage()).toBeUndefined();
  }, 10 * 60_000);

  afterAll(async () => {
    await vm?.stop();
    for (const mac of Object.values(macs))
      await api
        .deleteClusterCustomObject({ ...RESOURCES.node, name: discoveredNodeName(mac) })
        .catch(() => undefined);
    await api
      .deleteNamespacedCustomObject({ ...RESOURCES.image, namespace: SYSTEM, name: DEFAULT_IMAGE })
      .catch(() => undefined);
    await api.deleteClusterCustomObject({ ...RESOURCES.segment, name: segment }).catch(() => undefined);
    await lab?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 180_000);

  it(
    'UEFI (OVMF PXE → ipxe.efi → discovery script): registered, default image created, Ready',
    async () => {
      const name = discoveredNodeName(macs.uefi);
      expect(await getNode(name)).toBeUndefined();
      const pluggedAt = Date.now();
      vm = await startFirmwareVm({ ns: netns, bridge: 'br0', tap: 'tapdisc0', mac: macs.uefi, workDir: dir });
      const { node, timeline } = await follow(name, pluggedAt).catch((error: unknown) => {
        throw explain(error);
      });
      report('UEFI PXE (OVMF)', timeline);
      await expectDiscovered(name, macs.uefi, node);
      const serial = plain(vm.console());
      expect(serial).toMatch(/NBP filename is ipxe\.efi\n/);
      expect(serial).toContain('walt: unknown machine: learning its model to register it');
      expect(serial).toContain('walt: model pc-x86-64: asking DHCP again as walt.node.pc-x86-64');
      expect(serial).toContain(`walt: booting node ${name} (pc-x86-64)`);
      const log = await readFile(lab.agentLogFile, 'utf8');
      expect(log).toContain('"msg":"node discovered"');
      await vm.stop();
      vm = undefined;
    },
    BOOT_TIMEOUT_MS * 2,
  );

  it(
    "BIOS (SeaBIOS + qemu's iPXE ROM → discovery script): registered, boots the existing default image, Ready",
    async () => {
      const name = discoveredNodeName(macs.bios);
      expect(await getNode(name)).toBeUndefined();
      const pluggedAt = Date.now();
      vm = await startBiosVm({ ns: netns, bridge: 'br0', tap: 'tapdisc1', mac: macs.bios });
      const { node, timeline } = await follow(name, pluggedAt).catch((error: unknown) => {
        throw explain(error);
      });
      report('BIOS iPXE ROM (SeaBIOS)', timeline);
      await expectDiscovered(name, macs.bios, node);
      const serial = plain(vm.console());
      expect(serial).toContain('iPXE');
      expect(serial).toContain('walt: unknown machine: learning its model to register it');
      expect(serial).toContain(`walt: booting node ${name} (pc-x86-64)`);
    },
    BOOT_TIMEOUT_MS * 2,
  );
});
