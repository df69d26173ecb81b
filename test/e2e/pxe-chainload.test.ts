// End to end, the chainload of a machine that has no iPXE of its own: qemu with OVMF (UEFI) and a NIC
// without option ROM PXE-boots from the agent. OVMF's PXE client asks DHCP as a UEFI x86 PXE client
// (option 93 = 7) and gets `ipxe.efi`, which it loads from the agent's TFTP (Debian's `ipxe` package,
// /usr/lib/ipxe); that iPXE asks DHCP again, now as iPXE, and gets the URL of its HTTP script, which
// boots the node's kernel over HTTP and its root over NFS, up to its bootup notification. The agent's
// own log says what it saw (the TFTP transfer of ipxe.efi to the node's address, the script it served
// to the node), the serial console what the machine did. One boot: TCG is slow.
// BIOS is not booted here: qemu has no PXE ROM that is not iPXE (see test/support/firmware-vm.ts).
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { RESOURCES, type WaltNode } from '../../api/v1alpha1/index.js';
import { ensureDefaultImage, pushImage } from '../../local/default-image/image.js';
import { startLab, tailOf, type Lab } from '../../local/lab/lab.js';
import { applyAll, labImage, labSegment } from '../../local/lab/resources.js';
import {
  OVMF_CODE,
  OVMF_VARS,
  requireFirmware,
  startFirmwareVm,
  type FirmwareVm,
} from '../support/firmware-vm.js';
import { waitFor } from '../support/wait.js';
import { tearDownLab } from './lab-fixture.js';
import { kubeConfig, testNamespace, uniqueName } from '../integration/support/cluster.js';

const BOOT_TIMEOUT_MS = 6 * 60_000;
const SERVER = '10.76.0.1';
const MAC = '52:54:00:c4:a1:01';

interface LogLine {
  msg?: string;
  file?: string;
  client?: string;
  result?: string;
  node?: string;
  mac?: string;
}

/** The agent's JSON log lines (pino), in order; other lines (a stack trace) are left out. */
async function agentLines(lab: Lab): Promise<LogLine[]> {
  const text = await readFile(lab.agentLogFile, 'utf8').catch(() => '');
  return text.split('\n').flatMap((line) => {
    try {
      return [JSON.parse(line) as LogLine];
    } catch {
      return [];
    }
  });
}

/** The serial console without terminal escapes (OVMF and iPXE colour and clear the screen). */
function plain(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;=?]*[A-Za-z]/g, '').replace(/\r/g, '');
}

describe('a UEFI machine without iPXE chainloads ipxe.efi from the agent, then boots (qemu + OVMF)', () => {
  const kc = kubeConfig();
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const segment = uniqueName('chl');
  const nodeName = uniqueName('uefi');
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  let lab: Lab;
  let vm: FirmwareVm | undefined;
  let dir: string;

  const getNode = (): Promise<WaltNode> =>
    api.getClusterCustomObject({ ...RESOURCES.node, name: nodeName }) as Promise<WaltNode>;
  const explain = (error: unknown): Error =>
    new Error(
      `${(error as Error).message}\n--- agent log ---\n${tailOf(lab.agentLogFile)}\n--- serial console ---\n` +
        plain(vm?.console() ?? '').slice(-4000),
    );

  beforeAll(async () => {
    await requireFirmware([OVMF_CODE, OVMF_VARS, '/usr/lib/ipxe/ipxe.efi']);
    dir = await mkdtemp(path.join(os.tmpdir(), 'walt-chainload-'));
    const image = await ensureDefaultImage();
    ns = await testNamespace('chl');
    lab = await startLab({
      kc,
      workDir: dir,
      segment,
      network: { ns: `wchl-${process.pid}`, bridge: 'br0', address: `${SERVER}/24` },
      namespace: ns.name,
      // TFTP transfers are logged at debug level.
      logLevel: 'debug',
    });
    const ref = `${lab.registry.host}/walt/chainload:latest`;
    await pushImage(image.layoutDir, image.tag, ref);
    // A plain PC: not virtual (the agent runs no VM for it), powered by nobody; the test is its power.
    const node = {
      apiVersion: 'walt.dev/v1alpha1',
      kind: 'WaltNode',
      metadata: { name: nodeName },
      spec: { mac: MAC, model: 'pc-x86-64', segment, image: `${ns.name}/debian`, power: { driver: 'none' } },
    } as WaltNode;
    await applyAll(kc, [
      labSegment(segment, { bridge: 'br0', subnet: '10.76.0.0/24', serverAddress: SERVER }),
      labImage(ns.name, 'debian', ref),
      node,
    ]);
    // The machine is switched on once its image is ready: its first DHCP exchange is the one tested.
    await waitFor(
      'the image ready on the segment',
      async () => {
        const got = (await api.getNamespacedCustomObject({
          ...RESOURCES.image,
          namespace: ns.name,
          name: 'debian',
        })) as { status?: { conditions?: Array<{ type: string; status: string }> } };
        return got.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')
          ? true
          : undefined;
      },
      5 * 60_000,
    ).catch((error: unknown) => {
      throw explain(error);
    });
    vm = await startFirmwareVm({
      ns: `wchl-${process.pid}`,
      bridge: 'br0',
      tap: 'tapchl0',
      mac: MAC,
      workDir: dir,
    });
  }, 10 * 60_000);

  afterAll(async () => {
    await vm?.stop();
    await tearDownLab({ kc, lab, node: nodeName, segment, namespace: ns, images: ['debian'], dir });
  }, 180_000);

  it(
    'loads ipxe.efi over TFTP, fetches its iPXE script over HTTP and reaches Ready',
    async () => {
      // The node boots to its bootup notification
      const node = await waitFor(
        'the node Ready',
        async () => {
          const n = await getNode();
          return n.status?.phase === 'Ready' ? n : undefined;
        },
        BOOT_TIMEOUT_MS,
      ).catch((error: unknown) => {
        throw explain(error);
      });
      expect(node.status?.bootedImage?.name).toBe(`${ns.name}/debian`);
      const ip = node.status?.ip ?? '';
      expect(ip).toMatch(/^10\.76\.0\.\d+$/);

      // The agent sent the whole of ipxe.efi by TFTP to that address, then served that node its script
      const lines = await agentLines(lab);
      const sent = lines.findIndex(
        (l) =>
          l.msg === 'tftp transfer ended' &&
          l.file === 'ipxe.efi' &&
          l.result === 'ok' &&
          l.client?.startsWith(`${ip}:`),
      );
      const script = lines.findIndex((l) => l.msg === 'boot script' && l.node === nodeName);
      if (sent < 0 || script < 0)
        throw explain(new Error(`tftp ok at line ${sent}, script at line ${script}`));
      expect(lines[script]!.mac).toBe(MAC);
      expect(sent).toBeLessThan(script);
      // No other boot file was asked for over TFTP (OVMF took ipxe.efi, not a BIOS binary)
      const files = new Set(lines.filter((l) => l.msg === 'tftp transfer ended').map((l) => l.file));
      expect([...files]).toEqual(['ipxe.efi']);

      // The serial console: OVMF's own PXE loaded ipxe.efi, which chained the agent's script
      const serial = plain(vm!.console());
      expect(serial).toMatch(/NBP filename is ipxe\.efi\n/);
      expect(serial).toMatch(/NBP file downloaded successfully/);
      expect(serial).toMatch(/^iPXE 1\.0\.0\S* -- Open Source Network Boot Firmware/m);
      expect(serial).toContain(`Filename: http://${SERVER}/ipxe/boot.ipxe`);
      expect(serial).toContain(`walt: booting node ${nodeName} (pc-x86-64)`);
      // Before ipxe.efi ran, no iPXE was in the machine (the NIC has no option ROM)
      expect(serial.indexOf('NBP file downloaded successfully')).toBeLessThan(
        serial.indexOf('iPXE initialising'),
      );
    },
    BOOT_TIMEOUT_MS + 30_000,
  );
});
