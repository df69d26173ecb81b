// End to end, the u-boot path of an arm64 machine nobody registered: qemu-system-aarch64 (virt,
// cortex-a57, TCG) with Debian's u-boot as firmware and a MAC no WaltNode has, on a segment with
// autoRegister. u-boot DHCPs as "U-Boot.armv8" and asks boot.scr.uimg by TFTP: the agent's probe script
// finds the board (qemu virt → qemu-arm-64), DHCPs again as walt.node.qemu-arm-64 (the DHCP service
// registers node-<mac>), then asks its node script, or resets until the default image of qemu-arm-64 is
// ready; the node script sets the NFS root kernel arguments and sources the image's start.uboot, which
// loads vmlinuz and initrd.img by TFTP and boots with u-boot's device tree. The arm64 default image
// then mounts its root over NFSv3 and notifies its bootup: Ready, and listed by `walt node show`.
// One boot: TCG emulating arm64 is slow.
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { RESOURCES, type WaltNode } from '../../api/v1alpha1/index.js';
import { discoveredNodeName } from '../../agents/dhcp/service.js';
import { DEFAULT_IMAGE_NAMESPACE } from '../../agents/netboot/gate.js';
import { ensureDefaultImage } from '../../local/default-image/image.js';
import { labDefaultImages, pushDefaultImages } from '../../local/lab/default-images.js';
import { defaultImageRefOf } from '../../operator/controllers/default-images/desired.js';
import { startLab, tailOf, type Lab } from '../../local/lab/lab.js';
import { applyAll, labImage, labSegment } from '../../local/lab/resources.js';
import type { Manager } from '../../runtime/index.js';
import { ensureCliBuilt, walt } from '../integration/cli-support.js';
import { kubeConfig, testNamespace, uniqueName } from '../integration/support/cluster.js';
import type { FirmwareVm } from '../support/firmware-vm.js';
import { requireUboot, startUbootVm } from '../support/uboot-vm.js';
import { startSystemImagesOperator } from '../support/system-images-operator.js';
import { waitFor } from '../support/wait.js';
import { tearDownLab } from './lab-fixture.js';

const BOOT_TIMEOUT_MS = 15 * 60_000;
const SERVER = '10.77.0.1';
const MAC = '52:54:00:a6:40:01';
const NODE = discoveredNodeName(MAC);
const IMAGE = 'qemu-arm-64-default';
const CLI_ENV = { WALT_AGENT_URL_ALLOW_LOOPBACK: '1' };

/** The serial console without terminal escapes and carriage returns. */
function plain(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;=?]*[A-Za-z]/g, '').replace(/\r/g, '');
}

describe('an unknown arm64 machine boots through u-boot, is registered and reaches Ready', () => {
  const kc = kubeConfig();
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const segment = uniqueName('ubt');
  const netns = `wubt-${process.pid}`;
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  let lab: Lab;
  let systemImages: Manager | undefined;
  let vm: FirmwareVm | undefined;
  let dir: string;
  let pluggedAt = 0;

  const getNode = (): Promise<WaltNode | undefined> =>
    (api.getClusterCustomObject({ ...RESOURCES.node, name: NODE }) as Promise<WaltNode>).catch(
      () => undefined,
    );
  const explain = (error: unknown): Error =>
    new Error(
      `${(error as Error).message}\n--- agent log ---\n${tailOf(lab.agentLogFile)}\n--- serial console ---\n` +
        plain(vm?.console() ?? '').slice(-6000),
    );

  beforeAll(async () => {
    await requireUboot();
    dir = await mkdtemp(path.join(os.tmpdir(), 'walt-uboot-'));
    const started = Date.now();
    // Built by local/install-deps.sh; a cold build takes tens of minutes (docs/boot.md), hence the
    // long timeout of this hook.
    await ensureDefaultImage('arm64');
    process.stdout.write(
      `[e2e] arm64 default image ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
    await ensureCliBuilt();
    ns = await testNamespace('ubt');
    lab = await startLab({
      kc,
      workDir: dir,
      segment,
      network: { ns: netns, bridge: 'br0', address: `${SERVER}/24` },
      namespace: ns.name,
      logLevel: 'debug',
    });
    // `image: default` of a discovered qemu-arm-64 is walt-system/qemu-arm-64-default: made here (the
    // lab pushes the arm64 image under <registry>/walt/<model>-default), resolved by an operator
    // watching walt-system, as the testbed's one operator does for all namespaces.
    systemImages = await startSystemImagesOperator(kc, 'uboot');
    // As the testbed does: the arm64 image under <registry>/walt/<model>-default for each of its models.
    const arm64 = await ensureDefaultImage('arm64');
    const refs = await pushDefaultImages(arm64.layoutDir, arm64.tag, lab.registry.host);
    const config = labDefaultImages(lab.registry.host);
    const ref = defaultImageRefOf('qemu-arm-64', config);
    expect(refs).toEqual(
      ['qemu-arm-64', 'rpi-3-b-plus', 'rpi-4-b', 'rpi-400', 'rpi-5-b'].map((m) =>
        defaultImageRefOf(m, config),
      ),
    );
    await applyAll(kc, [
      labSegment(segment, { bridge: 'br0', subnet: '10.77.0.0/24', serverAddress: SERVER }),
      labImage(DEFAULT_IMAGE_NAMESPACE, IMAGE, ref),
    ]);
    expect(await getNode()).toBeUndefined();
    pluggedAt = Date.now();
    vm = await startUbootVm({ ns: netns, bridge: 'br0', tap: 'tapubt0', mac: MAC });
  }, 40 * 60_000);

  afterAll(async () => {
    await vm?.stop();
    await api
      .deleteNamespacedCustomObject({ ...RESOURCES.image, namespace: DEFAULT_IMAGE_NAMESPACE, name: IMAGE })
      .catch(() => undefined);
    await systemImages?.stop();
    await tearDownLab({ kc, lab, node: NODE, segment, namespace: ns, images: [], dir });
  }, 180_000);

  it(
    'probes, registers as qemu-arm-64, boots the arm64 default image over NFS and is listed',
    async () => {
      const node = await waitFor(
        'the discovered node Ready',
        async () => {
          const n = await getNode();
          return n?.status?.phase === 'Ready' ? n : undefined;
        },
        BOOT_TIMEOUT_MS,
      ).catch((error: unknown) => {
        throw explain(error);
      });
      process.stdout.write(
        `[e2e] u-boot arm64: plug-in → Ready in ${((Date.now() - pluggedAt) / 1000).toFixed(1)} s\n`,
      );
      expect(node.spec.model).toBe('qemu-arm-64');
      expect(node.spec.mac).toBe(MAC);
      expect(node.metadata?.labels?.['walt.dev/discovered']).toBe('true');
      expect(node.status?.bootedImage?.name).toBe(`${DEFAULT_IMAGE_NAMESPACE}/${IMAGE}`);
      expect(node.status?.ip).toMatch(/^10\.77\.0\.\d+$/);

      // The console: u-boot's own DHCP, the probe, the node script, the image's start.uboot, Linux arm64
      const serial = plain(vm!.console());
      expect(serial).toMatch(/^U-Boot 2023\.01/m);
      expect(serial).toContain('walt: this machine is a qemu-arm-64; announcing it by DHCP');
      expect(serial).toContain(`walt: booting node ${NODE} (qemu-arm-64)`);
      expect(serial).toContain('walt: qemu-arm-64: loading vmlinuz and initrd.img');
      expect(serial).toMatch(/Booting Linux on physical CPU/);
      expect(serial).toMatch(/Linux version \S+-arm64/);

      const shown = await walt(['node', 'show', '--all', '-o', 'name'], { env: CLI_ENV });
      expect(shown).toMatchObject({ code: 0 });
      expect(shown.stdout.split('\n')).toContain(`waltnode.walt.dev/${NODE}`);
    },
    BOOT_TIMEOUT_MS + 60_000,
  );

  it(
    'boots a virtual node of model qemu-arm-64 (run by the agent) through u-boot to Ready',
    async () => {
      const name = `${NODE}-v`;
      const vnode = {
        apiVersion: 'walt.dev/v1alpha1',
        kind: 'WaltNode',
        metadata: { name },
        spec: {
          mac: '52:54:00:a6:40:11',
          model: 'qemu-arm-64',
          segment,
          image: 'default',
          power: { driver: 'qemu' },
          virtual: { cpus: 1, memory: '1Gi' },
        },
      } as WaltNode;
      const started = Date.now();
      await applyAll(kc, [vnode]);
      const consoleLog = path.join(lab.agentCacheDir, 'vnodes', name, 'console.log');
      try {
        const node = await waitFor(
          'the virtual arm64 node Ready',
          async () => {
            const n = (await api
              .getClusterCustomObject({ ...RESOURCES.node, name })
              .catch(() => undefined)) as WaltNode | undefined;
            return n?.status?.phase === 'Ready' ? n : undefined;
          },
          BOOT_TIMEOUT_MS,
        ).catch((error: unknown) => {
          throw new Error(`${explain(error).message}\n--- vnode console ---\n${tailOf(consoleLog)}`);
        });
        process.stdout.write(
          `[e2e] virtual qemu-arm-64: apply → Ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
        );
        expect(node.status?.bootedImage?.name).toBe(`${DEFAULT_IMAGE_NAMESPACE}/${IMAGE}`);
        const serial = plain(await readFile(consoleLog, 'utf8'));
        expect(serial).toMatch(/^U-Boot 2023\.01/m);
        expect(serial).toContain(`walt: booting node ${name} (qemu-arm-64)`);
        // A registered node gets its node script at once: no probe
        expect(serial).not.toContain('announcing it by DHCP');
        // Its kernel console is the virt board's PL011
        expect(serial).toMatch(/console=ttyAMA0,115200/);
      } finally {
        await api.deleteClusterCustomObject({ ...RESOURCES.node, name }).catch(() => undefined);
        await waitFor(
          'the virtual node to go',
          () =>
            api.getClusterCustomObject({ ...RESOURCES.node, name }).then(
              () => undefined,
              () => true,
            ),
          60_000,
        ).catch(() => undefined);
      }
    },
    BOOT_TIMEOUT_MS + 90_000,
  );
});
