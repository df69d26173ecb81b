// End to end, the u-boot path up to the kernel, with a stand-in image (no arm64 Debian needed): a
// qemu-system-aarch64 machine with Debian's u-boot and a MAC no WaltNode has, on a segment with
// autoRegister. u-boot DHCPs as "U-Boot.armv8" and asks boot.scr.uimg: the agent's probe finds the
// board (qemu virt → qemu-arm-64) and DHCPs again as walt.node.qemu-arm-64, so the agent registers
// node-<mac>; u-boot resets until that node's default image is unpacked, then gets its node script,
// whose bootargs carry the NFS root, and sources the image's start.uboot — here one made by mkimage
// that prints those bootargs, as u-boot expanded them, and powers off. test/e2e/arm64-uboot.test.ts
// goes on to the real arm64 kernel, NFS root and Ready.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { RESOURCES, type WaltNode } from '../../api/v1alpha1/index.js';
import { discoveredNodeName } from '../../agents/dhcp/service.js';
import { DEFAULT_IMAGE_NAMESPACE } from '../../agents/netboot/gate.js';
import { pushImage } from '../../local/default-image/image.js';
import { startLab, tailOf, type Lab } from '../../local/lab/lab.js';
import { applyAll, labImage, labSegment } from '../../local/lab/resources.js';
import type { Manager } from '../../runtime/index.js';
import { kubeConfig, testNamespace, uniqueName } from '../integration/support/cluster.js';
import type { FirmwareVm } from '../support/firmware-vm.js';
import { buildImage } from '../support/oci-builder.js';
import { requireUboot, startUbootVm } from '../support/uboot-vm.js';
import { startSystemImagesOperator } from '../support/system-images-operator.js';
import { waitFor } from '../support/wait.js';
import { tearDownLab } from './lab-fixture.js';

const run = promisify(execFile);
const TIMEOUT_MS = 6 * 60_000;
const SERVER = '10.79.0.1';
const MAC = '52:54:00:a6:40:02';
const NODE = discoveredNodeName(MAC);
const IMAGE = 'qemu-arm-64-default';
const MODEL_SCRIPT = 'echo "walt-test: model script, bootargs=${bootargs}"\npoweroff\n';

interface LogLine {
  msg?: string;
  mac?: string;
  script?: string;
}

function plain(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;=?]*[A-Za-z]/g, '').replace(/\r/g, '');
}

describe('u-boot on an unknown arm64 machine: probe, registration, node script (stand-in image)', () => {
  const kc = kubeConfig();
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const segment = uniqueName('ubp');
  const netns = `wubp-${process.pid}`;
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  let lab: Lab;
  let systemImages: Manager | undefined;
  let vm: FirmwareVm | undefined;
  let dir: string;

  const explain = (error: unknown): Error =>
    new Error(
      `${(error as Error).message}\n--- agent log ---\n${tailOf(lab.agentLogFile)}\n--- serial console ---\n` +
        plain(vm?.console() ?? '').slice(-6000),
    );

  beforeAll(async () => {
    await requireUboot();
    dir = await mkdtemp(path.join(os.tmpdir(), 'walt-ubp-'));
    await writeFile(path.join(dir, 'start.txt'), MODEL_SCRIPT);
    await run('mkimage', [
      '-A',
      'arm64',
      '-O',
      'linux',
      '-T',
      'script',
      '-C',
      'none',
      '-n',
      'test',
      '-d',
      path.join(dir, 'start.txt'),
      path.join(dir, 'start.uboot'),
    ]);
    const image = await buildImage(path.join(dir, 'image'), {
      layers: [
        [
          { path: 'boot', type: 'dir' },
          { path: 'boot/qemu-arm-64', type: 'dir' },
          {
            path: 'boot/qemu-arm-64/start.uboot',
            type: 'file',
            content: await readFile(path.join(dir, 'start.uboot')),
          },
        ],
      ],
      config: { architecture: 'arm64', os: 'linux', labels: { 'walt.node.models': 'qemu-arm-64' } },
    });
    ns = await testNamespace('ubp');
    lab = await startLab({
      kc,
      workDir: dir,
      segment,
      network: { ns: netns, bridge: 'br0', address: `${SERVER}/24` },
      namespace: ns.name,
      logLevel: 'debug',
    });
    systemImages = await startSystemImagesOperator(kc, 'ubp');
    const ref = `${lab.registry.host}/walt/${IMAGE}:latest`;
    await pushImage(image.dir, image.tag, ref);
    await applyAll(kc, [
      labSegment(segment, { bridge: 'br0', subnet: '10.79.0.0/24', serverAddress: SERVER }),
      labImage(DEFAULT_IMAGE_NAMESPACE, IMAGE, ref),
    ]);
    vm = await startUbootVm({ ns: netns, bridge: 'br0', tap: 'tapubp0', mac: MAC });
  }, 10 * 60_000);

  afterAll(async () => {
    await vm?.stop();
    await api
      .deleteNamespacedCustomObject({ ...RESOURCES.image, namespace: DEFAULT_IMAGE_NAMESPACE, name: IMAGE })
      .catch(() => undefined);
    await systemImages?.stop();
    await tearDownLab({ kc, lab, node: NODE, segment, namespace: ns, images: [], dir });
  }, 180_000);

  it(
    'registers it as qemu-arm-64 and hands it bootargs with its NFS root, then the image script',
    async () => {
      const serial = await waitFor(
        'the model script of the image to run',
        () => {
          const text = plain(vm!.console());
          return Promise.resolve(text.includes('walt-test: model script') ? text : undefined);
        },
        TIMEOUT_MS,
      ).catch((error: unknown) => {
        throw explain(error);
      });
      const node = (await api.getClusterCustomObject({ ...RESOURCES.node, name: NODE })) as WaltNode;
      expect(node.spec).toMatchObject({ mac: MAC, model: 'qemu-arm-64', segment });
      expect(node.metadata?.labels?.['walt.dev/discovered']).toBe('true');

      expect(serial).toMatch(/^U-Boot 2023\.01/m);
      expect(serial).toContain('walt: this machine is a qemu-arm-64; announcing it by DHCP');
      expect(serial).toContain(`walt: booting node ${NODE} (qemu-arm-64)`);
      // u-boot expanded its own lease into ip=, the agent wrote the NFS root and the node's name
      const bootargs = /walt-test: model script, bootargs=(.*)/.exec(serial)?.[1] ?? '';
      expect(bootargs).toMatch(
        new RegExp(`^root=/dev/nfs nfsroot=${SERVER.replace(/\./g, '\\.')}:/\\S+,vers=3,`),
      );
      expect(bootargs).toMatch(
        new RegExp(`ip=10\\.79\\.0\\.\\d+:${SERVER.replace(/\./g, '\\.')}::255\\.255\\.255\\.0:${NODE}::off`),
      );
      expect(bootargs).toContain(`walt.node=${NODE} walt.server=${SERVER}`);

      // The agent's log: the probe first, to the unknown MAC, then the node script
      const lines = (await readFile(lab.agentLogFile, 'utf8')).split('\n').flatMap((l) => {
        try {
          return [JSON.parse(l) as LogLine];
        } catch {
          return [];
        }
      });
      const scripts = lines.filter((l) => l.msg === 'u-boot script' && l.mac === MAC).map((l) => l.script);
      expect(scripts[0]).toBe('walt probe');
      expect(scripts.at(-1)).toBe('walt node');
    },
    TIMEOUT_MS + 30_000,
  );
});
