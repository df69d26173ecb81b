// bench/image-pull: time for a WaltImage of a few hundred MB to become Ready (operator resolves, boot
// agent pulls and unpacks into a cold cache), against `skopeo copy` + `umoci unpack` of the same image
// from the same registry, in the same run. Also the cache-hit time (a second WaltImage, same digest).
// Run: npm run bench:image-pull [-- --size-mib 200 --rounds 3]
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import type { WaltImage } from '../../api/v1alpha1/index.js';
import { createAgent } from '../../agents/main.js';
import { ensureBinaries } from '../../local/controlplane/binaries.js';
import { startControlPlane, stopControlPlane } from '../../local/controlplane/controlplane.js';
import { installCrds } from '../../local/controlplane/crds.js';
import { createOperator } from '../../operator/main.js';
import { buildImage, pushLayout, type LayerEntry } from '../../test/support/oci-builder.js';
import { startRegistry } from '../../local/lab/registry.js';

const run = promisify(execFile);
const { values } = parseArgs({
  options: { 'size-mib': { type: 'string', default: '200' }, rounds: { type: 'string', default: '3' } },
});
const sizeMiB = Number(values['size-mib']);
const rounds = Number(values.rounds);

/** An OS-like image: many small files (a fifth of the bytes) and a few large ones, in four layers. */
function layers(totalMiB: number): LayerEntry[][] {
  const small: LayerEntry[] = [{ path: 'usr', type: 'dir' }];
  const smallBytes = (totalMiB * 1048576) / 5;
  for (let i = 0, bytes = 0; bytes < smallBytes; i++) {
    const size = 512 + ((i * 7919) % 7680);
    if (i % 200 === 0) small.push({ path: `usr/d${i / 200}`, type: 'dir' });
    small.push({ path: `usr/d${Math.floor(i / 200)}/f${i}`, type: 'file', size });
    bytes += size;
  }
  const big = (n: number): LayerEntry[] => [
    { path: `opt${n}`, type: 'dir' },
    ...Array.from({ length: 4 }, (_, i) => ({
      path: `opt${n}/blob${i}.bin`,
      type: 'file' as const,
      size: Math.floor((totalMiB * 1048576 * 4) / 5 / 12),
    })),
  ];
  return [small, big(1), big(2), big(3)];
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function waitReady(api: k8s.CustomObjectsApi, namespace: string, name: string): Promise<void> {
  for (;;) {
    const image = (await api.getNamespacedCustomObject({
      group: 'walt.dev',
      version: 'v1alpha1',
      namespace,
      plural: 'waltimages',
      name,
    })) as WaltImage;
    const ready = image.status?.conditions?.find((c) => c.type === 'Ready');
    if (ready?.status === 'True') return;
    if (ready?.status === 'False' && ready.reason !== 'InProgress')
      throw new Error(`${name}: ${ready.message}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'walt-bench-pull-'));
  const binDir = await ensureBinaries();
  const cp = await startControlPlane({
    name: `bench-${randomBytes(3).toString('hex')}`,
    binDir,
    ephemeral: true,
    ownerPid: process.pid,
  });
  const registry = await startRegistry();
  const stops: Array<() => Promise<unknown>> = [
    () => stopControlPlane(cp.name),
    () => registry.stop(),
    () => rm(work, { recursive: true, force: true }),
  ];
  try {
    await installCrds(binDir, cp.kubeconfig);
    process.stderr.write(`building a ${sizeMiB} MiB image...\n`);
    const image = await buildImage(path.join(work, 'layout'), {
      layers: layers(sizeMiB),
      config: { architecture: 'amd64', os: 'linux', labels: { 'walt.node.models': 'pc-x86-64' } },
      gzipLevel: 1,
    });
    const ref = await pushLayout(image.dir, image.tag, registry.host, { repository: 'walt/bench' });
    const compressed = image.layers.reduce((n, l) => n + l.size, 0);

    const kc = new k8s.KubeConfig();
    kc.loadFromFile(cp.kubeconfig);
    const api = kc.makeApiClient(k8s.CustomObjectsApi);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'bench' } } });
    const operator = createOperator({ kc, identity: 'bench-operator', healthPort: 0, handleSignals: false });
    const agent = await createAgent({
      kc,
      segment: 'bench',
      cacheDir: path.join(work, 'cache'),
      identity: 'bench-agent',
      healthPort: 0,
      handleSignals: false,
    });
    await operator.start();
    await agent.start();
    stops.unshift(
      () => operator.stop(),
      () => agent.stop(),
    );

    const apply = (name: string): Promise<unknown> =>
      api.createNamespacedCustomObject({
        group: 'walt.dev',
        version: 'v1alpha1',
        namespace: 'bench',
        plural: 'waltimages',
        body: {
          apiVersion: 'walt.dev/v1alpha1',
          kind: 'WaltImage',
          metadata: { name },
          spec: { ref, insecureRegistry: true },
        },
      });
    const remove = async (name: string): Promise<void> => {
      await api.deleteNamespacedCustomObject({
        group: 'walt.dev',
        version: 'v1alpha1',
        namespace: 'bench',
        plural: 'waltimages',
        name,
      });
      for (;;) {
        const gone = await api
          .getNamespacedCustomObject({
            group: 'walt.dev',
            version: 'v1alpha1',
            namespace: 'bench',
            plural: 'waltimages',
            name,
          })
          .then(
            () => false,
            () => true,
          );
        if (gone) return;
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    const ours: number[] = [];
    const hits: number[] = [];
    const reference: number[] = [];
    for (let round = 0; round < rounds; round++) {
      // Ours, cold cache (the previous round's image was deleted and garbage-collected).
      ours.push(
        await timed(async () => {
          await apply(`cold-${round}`);
          await waitReady(api, 'bench', `cold-${round}`);
        }),
      );
      hits.push(
        await timed(async () => {
          await apply(`hit-${round}`);
          await waitReady(api, 'bench', `hit-${round}`);
        }),
      );
      await remove(`hit-${round}`);
      await remove(`cold-${round}`);
      // Reference: skopeo copy + umoci unpack of the same image.
      const dir = path.join(work, `ref-${round}`);
      await mkdir(dir, { recursive: true });
      reference.push(
        await timed(async () => {
          await run(
            'skopeo',
            [
              'copy',
              '--quiet',
              '--insecure-policy',
              '--src-tls-verify=false',
              `docker://${ref}`,
              `oci:${dir}/layout:bench`,
            ],
            { env: { ...process.env, HOME: work } },
          );
          await run('umoci', ['unpack', '--image', `${dir}/layout:bench`, `${dir}/bundle`]);
        }),
      );
      await rm(dir, { recursive: true, force: true });
      process.stderr.write(
        `round ${round + 1}: ours ${ours.at(-1)!.toFixed(2)} s, cache hit ${hits.at(-1)!.toFixed(2)} s, skopeo+umoci ${reference.at(-1)!.toFixed(2)} s\n`,
      );
    }
    const ratio = median(ours) / median(reference);
    console.log(
      `image: ${sizeMiB} MiB of files, ${(compressed / 1048576).toFixed(0)} MiB compressed in ${image.layers.length} layers`,
    );
    console.log(
      `WaltImage apply → Ready (cold cache):  median ${median(ours).toFixed(2)} s  [${ours.map((t) => t.toFixed(2)).join(', ')}]`,
    );
    console.log(
      `WaltImage apply → Ready (cache hit):   median ${median(hits).toFixed(2)} s  [${hits.map((t) => t.toFixed(2)).join(', ')}]`,
    );
    console.log(
      `skopeo copy + umoci unpack:            median ${median(reference).toFixed(2)} s  [${reference.map((t) => t.toFixed(2)).join(', ')}]`,
    );
    console.log(`ratio ours / reference: ${ratio.toFixed(2)} (goal <= 1.0)`);
  } finally {
    for (const stop of stops) await stop().catch(() => undefined);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
