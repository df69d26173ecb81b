// The image pipeline end to end against a real registry: inspect a multi-arch image (digest, models,
// size), pull and unpack a platform into the cache, hit the cache, share layers between images, collect
// garbage, and refuse corrupted blobs and malicious layers without leaving anything behind.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DigestMismatch, inspectImage, pinnedReference, RegistryClient } from '../../oci/index.js';
import { collectGarbage } from '../../agents/images/store/gc.js';
import { cacheLayout, type CacheLayout } from '../../agents/images/store/layout.js';
import type { PullProgress } from '../../agents/images/store/progress.js';
import { pullImage, type PullResult } from '../../agents/images/store/pull.js';
import { layerApplier, registrySource } from '../../agents/images/store/registry-source.js';
import { UnpackPathEscape } from '../../agents/images/unpack/index.js';
import { silentLogger } from '../../common/logger.js';
import { buildImage, buildMultiArchImage, pushLayout, type LayerEntry } from '../support/oci-builder.js';
import { startRegistry, type TestRegistry } from '../../local/lab/registry.js';

const logger = silentLogger();
const base: LayerEntry[] = [
  { path: 'etc', type: 'dir' },
  { path: 'etc/os-release', type: 'file', content: 'ID=walt-test\n' },
  { path: 'bin', type: 'dir' },
  { path: 'bin/busybox', type: 'file', size: 256 * 1024, mode: 0o755 },
  { path: 'bin/sh', type: 'symlink', linkname: '/bin/busybox' },
];

describe('image pipeline against a real registry', () => {
  let registry: TestRegistry;
  let work: string;
  let layout: CacheLayout;
  const client = (): RegistryClient => new RegistryClient({ insecure: true });

  beforeAll(async () => {
    registry = await startRegistry();
    work = await mkdtemp(path.join(os.tmpdir(), 'walt-pull-'));
    layout = cacheLayout(path.join(work, 'cache'));
  });
  afterAll(async () => {
    await registry.stop();
    await rm(work, { recursive: true, force: true });
  });

  async function pushImage(
    name: string,
    layers: LayerEntry[][],
    labels = { 'walt.node.models': 'pc-x86-64' },
  ): Promise<string> {
    const image = await buildImage(path.join(work, name), {
      layers,
      config: { architecture: 'amd64', os: 'linux', labels },
    });
    return pushLayout(image.dir, image.tag, registry.host, { repository: `walt/${name}` });
  }

  async function pull(ref: string, onProgress?: (p: PullProgress) => void): Promise<PullResult> {
    const c = client();
    const inspection = await inspectImage(c, ref);
    const amd64 = inspection.platforms.find((p) => p.platform === 'linux/amd64')!;
    return pullImage({
      layout,
      source: registrySource(c, pinnedReference(ref, inspection.digest)),
      applyLayer: layerApplier(logger),
      manifestDigest: amd64.manifestDigest,
      platform: amd64.platform,
      logger,
      ...(onProgress ? { onProgress } : {}),
    });
  }

  it('inspects a multi-arch image: digest, models from every platform, size', async () => {
    const index = await buildMultiArchImage(path.join(work, 'multi'), [
      {
        layers: [base],
        config: {
          architecture: 'amd64',
          os: 'linux',
          labels: { 'walt.node.models': 'pc-x86-64,qemu-x86-64' },
        },
      },
      {
        layers: [base],
        config: { architecture: 'arm64', os: 'linux', labels: { 'walt.node.models': 'rpi-4-b,rpi-5-b' } },
      },
    ]);
    const ref = await pushLayout(index.dir, index.tag, registry.host, { repository: 'walt/multi' });
    const inspection = await inspectImage(client(), ref);
    expect(inspection.digest).toBe(index.digest);
    expect(inspection.models.sort()).toEqual(['pc-x86-64', 'qemu-x86-64', 'rpi-4-b', 'rpi-5-b']);
    expect(inspection.platforms.map((p) => p.platform).sort()).toEqual(['linux/amd64', 'linux/arm64']);
    const layerBytes = index.images.flatMap((i) => i.layers).reduce((n, l) => n + l.size, 0);
    expect(inspection.size).toBe(layerBytes);
  });

  it('pulls and unpacks into the cache, with progress, then hits the cache', async () => {
    const ref = await pushImage('debian', [base, [{ path: 'etc/motd', type: 'file', content: 'hello\n' }]]);
    const progress: PullProgress[] = [];
    const first = await pull(ref, (p) => progress.push(p));
    expect(first).toMatchObject({ reused: false, layersFetched: 2, layersCached: 0 });
    expect(await readFile(path.join(first.rootfs, 'etc/motd'), 'utf8')).toBe('hello\n');
    expect(progress.at(-1)).toMatchObject({ layersDone: 2, layersTotal: 2 });
    expect(progress.at(-1)!.bytesDone).toBe(progress.at(-1)!.bytesTotal);

    const second = await pull(ref);
    expect(second).toMatchObject({ reused: true, layersFetched: 0, rootfs: first.rootfs });
  });

  it('shares layers between images and garbage-collects what no image keeps', async () => {
    const a = await pull(await pushImage('share-a', [base, [{ path: 'a', type: 'file', content: 'a' }]]));
    const b = await pull(await pushImage('share-b', [base, [{ path: 'b', type: 'file', content: 'b' }]]));
    // The base layer was already cached by image a (and by earlier tests).
    expect(b.layersCached).toBeGreaterThanOrEqual(1);
    const plan = await collectGarbage(layout, new Set([b.record.manifestDigest]));
    expect(plan.images).toContain(a.record.manifestDigest);
    expect(existsSync(a.rootfs)).toBe(false);
    expect(existsSync(b.rootfs)).toBe(true);
    for (const layer of b.record.layers) expect(existsSync(layout.blob(layer.digest))).toBe(true);
    expect(existsSync(layout.blob(a.record.layers[1]!.digest))).toBe(false);
  });

  it('refuses a corrupted blob: digest mismatch, nothing cached', async () => {
    const ref = await pushImage('corrupt', [[{ path: 'data', type: 'file', size: 4096 }]]);
    const inspection = await inspectImage(client(), ref);
    const layer = inspection.platforms[0]!.manifest.layers[0]!;
    const original = await readFile(registry.blobPath(layer.digest));
    await writeFile(registry.blobPath(layer.digest), Buffer.alloc(original.length, 0x41));
    await expect(pull(ref)).rejects.toMatchObject({ code: DigestMismatch.code });
    expect(existsSync(layout.blob(layer.digest))).toBe(false);
    expect(existsSync(layout.rootfs(inspection.platforms[0]!.manifestDigest))).toBe(false);
  });

  it('refuses a malicious layer through the whole pipeline and writes nothing outside the cache', async () => {
    const before = await readdir(work);
    const ref = await pushImage('evil', [
      [{ path: '../../../escaped-by-layer', type: 'file', content: 'x' }],
    ]);
    await expect(pull(ref)).rejects.toMatchObject({ code: UnpackPathEscape.code });
    expect(await readdir(work)).toEqual(expect.arrayContaining(before));
    expect(existsSync(path.join(work, 'escaped-by-layer'))).toBe(false);
    expect(existsSync(path.join(path.dirname(work), 'escaped-by-layer'))).toBe(false);
    // No half-unpacked rootfs is left in the cache's temporary area.
    expect(await readdir(layout.tmp)).toEqual([]);
  });
});
