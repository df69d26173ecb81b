// bench/vnode-boot: how long a virtual node takes to boot an image the testbed's way — apply (or patch
// spec.image) until the WaltNode is Ready: PXE, iPXE, DHCP, kernel and initrd over HTTP, root over NFS
// with the RAM overlay, bootup notification — against qemu booting the same kernel, initrd and root
// filesystem directly (-kernel/-initrd, rootfs on a local virtio disk, no network), in the same run.
// Run: npm run bench:vnode-boot [-- --rounds 3]
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { RESOURCES, type WaltNode } from '../../api/v1alpha1/index.js';
import { ensureBinaries } from '../../local/controlplane/binaries.js';
import { startControlPlane, stopControlPlane } from '../../local/controlplane/controlplane.js';
import { installCrds } from '../../local/controlplane/crds.js';
import { ensureDefaultImage, pushImage } from '../../local/default-image/image.js';
import { startLab } from '../../local/lab/lab.js';
import { applyAll, labImage, labSegment, virtualNode } from '../../local/lab/resources.js';
import { bootDirect } from './direct-boot.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } });
const rounds = Number(values.rounds);
const NODE = 'bench-vn';
const NAMESPACE = 'bench';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const READY_TIMEOUT_MS = 10 * 60_000;

async function readyOn(api: k8s.CustomObjectsApi, image: string, after: number): Promise<number> {
  while (Date.now() - after < READY_TIMEOUT_MS) {
    const node = (await api.getClusterCustomObject({ ...RESOURCES.node, name: NODE })) as WaltNode;
    const booted = node.status?.lastBootup ? Date.parse(node.status.lastBootup) : 0;
    if (node.status?.phase === 'Ready' && node.status.bootedImage?.name === image && booted >= after) {
      return Date.now() - after;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${NODE} was not Ready on ${image} within ${READY_TIMEOUT_MS / 60_000} min`);
}

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'walt-bench-vnode-'));
  const image = await ensureDefaultImage();
  const direct: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const { readyMs } = await bootDirect({ ...image, workDir: path.join(work, 'direct'), memoryMiB: 512 });
    direct.push(readyMs);
    process.stderr.write(`direct boot ${i + 1}: ${(readyMs / 1000).toFixed(1)} s\n`);
  }
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
    network: { ns: `wbench-${process.pid}`, bridge: 'br0', address: '10.81.0.1/24' },
    logLevel: 'warn',
  });
  try {
    const api = kc.makeApiClient(k8s.CustomObjectsApi);
    const refs = [];
    for (let i = 0; i <= rounds; i++) {
      const ref = `${lab.registry.host}/walt/bench-${i}:latest`;
      await pushImage(image.layoutDir, image.tag, ref, { extraFiles: { '/etc/walt-marker': `${i}\n` } });
      refs.push(ref);
    }
    await applyAll(kc, [
      labSegment('bench', { bridge: 'br0', subnet: '10.81.0.0/24', serverAddress: '10.81.0.1' }),
      ...refs.map((ref, i) => labImage(NAMESPACE, `image-${i}`, ref)),
    ]);
    // First boot: includes pulling and unpacking the image on the agent.
    let started = Date.now();
    await applyAll(kc, [
      virtualNode({ name: NODE, mac: '52:54:00:be:ec:01', segment: 'bench', image: `${NAMESPACE}/image-0` }),
    ]);
    const cold = await readyOn(api, `${NAMESPACE}/image-0`, started);
    process.stderr.write(`apply → Ready (image pulled meanwhile): ${(cold / 1000).toFixed(1)} s\n`);
    // Then switches to images already in the cache: patch spec.image → reboot → Ready.
    const ours: number[] = [];
    for (let i = 1; i <= rounds; i++) {
      started = Date.now();
      await api.patchClusterCustomObject(
        { ...RESOURCES.node, name: NODE, body: { spec: { image: `${NAMESPACE}/image-${i}` } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
      ours.push(await readyOn(api, `${NAMESPACE}/image-${i}`, started));
      process.stderr.write(`spec.image patch → Ready ${i}: ${(ours.at(-1)! / 1000).toFixed(1)} s\n`);
    }
    const node = (await api.getClusterCustomObject({ ...RESOURCES.node, name: NODE })) as WaltNode;
    const ratio = median(ours) / median(direct);
    console.log(
      [
        `vnode-boot (TCG, 512 MiB, default Debian image, ${rounds} rounds)`,
        `  testbed, spec.image patch → Ready (netboot over PXE/iPXE/HTTP/NFS): median ${(median(ours) / 1000).toFixed(1)} s [${ours.map((v) => (v / 1000).toFixed(1)).join(', ')}]`,
        `  reference, qemu -kernel/-initrd + local virtio disk → ready line:  median ${(median(direct) / 1000).toFixed(1)} s [${direct.map((v) => (v / 1000).toFixed(1)).join(', ')}]`,
        `  ratio ${ratio.toFixed(2)}`,
        `  first apply → Ready (image pulled and unpacked meanwhile): ${(cold / 1000).toFixed(1)} s`,
        `  read over NFS during the last boot: ${((node.status?.lastBootStats?.nfsReadBytes ?? 0) / 1048576).toFixed(1)} MiB`,
      ].join('\n'),
    );
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
