// bench/discovery: what WalT-style discovery costs a new PC. Per firmware path (UEFI PXE through OVMF,
// BIOS iPXE ROM through SeaBIOS), power-on → Ready of a machine no WaltNode has (discovered, registered,
// default image already Ready), against the reference: the same firmware and machine declared as a
// WaltNode beforehand (power-on → Ready), in the same run, on the same lab. The ratio is the price of
// learning the model (the discovery script, one more DHCP exchange, the registration round trip).
// Run: WALT_LOG_LEVEL=warn npx tsx bench/discovery/run.ts [-- --rounds 1]
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { API_VERSION, RESOURCES, type WaltImage, type WaltNode } from '../../api/v1alpha1/index.js';
import { discoveredNodeName } from '../../agents/dhcp/service.js';
import { ensureBinaries } from '../../local/controlplane/binaries.js';
import { startControlPlane, stopControlPlane } from '../../local/controlplane/controlplane.js';
import { installCrds } from '../../local/controlplane/crds.js';
import { ensureDefaultImage } from '../../local/default-image/image.js';
import { pushDefaultImages } from '../../local/lab/default-images.js';
import { startLab } from '../../local/lab/lab.js';
import { applyAll, labSegment } from '../../local/lab/resources.js';
import { startMachine, type Firmware } from './machines.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '1' } } });
const rounds = Number(values.rounds);
const READY_TIMEOUT_MS = 10 * 60_000;
const NS = `wbdisc-${process.pid}`;

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${what}: not within ${READY_TIMEOUT_MS / 60_000} min`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'walt-bench-discovery-'));
  const image = await ensureDefaultImage();
  const binDir = await ensureBinaries();
  const cp = await startControlPlane({
    name: `bench-${randomBytes(3).toString('hex')}`,
    binDir,
    ephemeral: true,
    ownerPid: process.pid,
  });
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cp.kubeconfig);
  await installCrds(binDir, cp.kubeconfig);
  const lab = await startLab({
    kc,
    workDir: path.join(work, 'lab'),
    segment: 'bench',
    network: { ns: NS, bridge: 'br0', address: '10.82.0.1/24' },
    defaultImages: true,
    logLevel: 'warn',
  });
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  let mac = 0;
  const nextMac = (): string => `52:54:00:b0:0d:${(++mac).toString(16).padStart(2, '0')}`;
  const nodeReady = (name: string): Promise<WaltNode> =>
    until(`${name} Ready`, async () => {
      const node = (await api.getClusterCustomObject({ ...RESOURCES.node, name })) as WaltNode;
      return node.status?.phase === 'Ready' ? node : undefined;
    });
  async function boot(firmware: Firmware, declared: boolean): Promise<number> {
    const address = nextMac();
    const name = declared ? `declared-${mac}` : discoveredNodeName(address);
    if (declared) {
      await applyAll(kc, [
        {
          apiVersion: API_VERSION,
          kind: 'WaltNode',
          metadata: { name },
          spec: {
            mac: address,
            model: 'pc-x86-64',
            segment: 'bench',
            image: 'default',
            power: { driver: 'none' },
          },
        } as unknown as WaltNode,
      ]);
    }
    const started = Date.now();
    const machine = await startMachine({
      firmware,
      ns: NS,
      bridge: 'br0',
      tap: `tapb${mac}`,
      mac: address,
      workDir: work,
    });
    try {
      await nodeReady(name);
      return Date.now() - started;
    } finally {
      await machine.stop();
      await api.deleteClusterCustomObject({ ...RESOURCES.node, name }).catch(() => undefined);
    }
  }
  try {
    await pushDefaultImages(image.layoutDir, image.tag, lab.registry.host);
    await applyAll(kc, [
      labSegment('bench', { bridge: 'br0', subnet: '10.82.0.0/24', serverAddress: '10.82.0.1' }),
    ]);
    // A first discovered machine brings the default image; the measured boots find it Ready.
    const warm = await boot('bios', false);
    await until('the default image Ready', async () => {
      const got = (await api.getNamespacedCustomObject({
        ...RESOURCES.image,
        namespace: 'walt-system',
        name: 'pc-x86-64-default',
      })) as WaltImage;
      return got.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')
        ? true
        : undefined;
    });
    process.stderr.write(`warm-up (image created and unpacked meanwhile): ${(warm / 1000).toFixed(1)} s\n`);
    const lines = [`discovery (TCG, 512 MiB, default Debian image Ready, ${rounds} round(s) per path)`];
    for (const firmware of ['uefi', 'bios'] as const) {
      const ours: number[] = [];
      const reference: number[] = [];
      for (let i = 0; i < rounds; i++) {
        reference.push(await boot(firmware, true));
        ours.push(await boot(firmware, false));
        process.stderr.write(
          `${firmware} ${i + 1}: declared ${(reference.at(-1)! / 1000).toFixed(1)} s, unknown ${(ours.at(-1)! / 1000).toFixed(1)} s\n`,
        );
      }
      lines.push(
        `  ${firmware}: unknown machine power-on → Ready median ${(median(ours) / 1000).toFixed(1)} s; ` +
          `declared WaltNode (reference) ${(median(reference) / 1000).toFixed(1)} s; ratio ${(median(ours) / median(reference)).toFixed(2)}`,
      );
    }
    console.log(lines.join('\n'));
  } finally {
    await lab.stop();
    await stopControlPlane(cp.name);
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
