// Fixtures for the HTTP service's tests, as data: an image-like root filesystem in a temp dir and a
// boot view made of WaltSegment / WaltNode / WaltImage objects.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import type { WaltImage, WaltNode, WaltSegment } from '../../api/v1alpha1/index.js';
import { silentLogger } from '../../common/logger.js';
import type { HttpBootView } from './context.js';
import type { FileCacheOptions } from './file-cache.js';
import { createHttpMetrics } from './metrics.js';
import { createHttpServer } from './server.js';

export const MODEL = 'pc-x86-64';

/** Deterministic bytes (so a range of the file is known without reading it). */
export function bytes(seed: string, length: number): Buffer {
  const out = Buffer.alloc(length);
  let block = createHash('sha256').update(seed).digest();
  for (let offset = 0; offset < length; offset += block.length) {
    block.copy(out, offset);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

export interface FixtureRootfs {
  /** The directory holding the rootfs and a file outside it. */
  dir: string;
  rootfs: string;
  kernel: Buffer;
  initrd: Buffer;
  remove(): Promise<void>;
}

/**
 * <dir>/outside-secret, and <dir>/rootfs with boot/pc-x86-64/{vmlinuz, initrd.img, empty, subdir/}
 * and links: link-rel → vmlinuz, link-abs → /boot/pc-x86-64/initrd.img, etc-link → /etc/hostname
 * (re-rooted inside), escape-rel → ../../../outside-secret, escape-dotdot → /../outside-secret,
 * loop → loop; with `startIpxe`, also start.ipxe.
 */
export async function makeRootfs(options: { startIpxe?: boolean } = {}): Promise<FixtureRootfs> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'walt-http-'));
  const rootfs = path.join(dir, 'rootfs');
  const boot = path.join(rootfs, 'boot', MODEL);
  await fs.mkdir(path.join(boot, 'subdir'), { recursive: true });
  await fs.mkdir(path.join(rootfs, 'etc'));
  const kernel = bytes('kernel', 256 * 1024 + 17);
  const initrd = bytes('initrd', 100 * 1024);
  await fs.writeFile(path.join(dir, 'outside-secret'), 'secret outside the image\n');
  await fs.writeFile(path.join(rootfs, 'etc', 'hostname'), 'image-host\n');
  await fs.writeFile(path.join(boot, 'vmlinuz'), kernel);
  await fs.writeFile(path.join(boot, 'initrd.img'), initrd);
  await fs.writeFile(path.join(boot, 'empty'), '');
  const links: [string, string][] = [
    ['link-rel', 'vmlinuz'],
    ['link-abs', `/boot/${MODEL}/initrd.img`],
    ['etc-link', '/etc/hostname'],
    ['escape-rel', '../../../outside-secret'],
    ['escape-dotdot', '/../outside-secret'],
    ['loop', 'loop'],
  ];
  for (const [name, target] of links) await fs.symlink(target, path.join(boot, name));
  if (options.startIpxe)
    await fs.writeFile(path.join(boot, 'start.ipxe'), '#!ipxe\nchain /start-generic.ipxe\n');
  return { dir, rootfs, kernel, initrd, remove: () => fs.rm(dir, { recursive: true, force: true }) };
}

export function segmentFixture(name: string): WaltSegment {
  return {
    apiVersion: 'walt.dev/v1alpha1',
    kind: 'WaltSegment',
    metadata: { name },
    spec: { interface: 'eth0', subnet: '192.168.152.0/22', serverAddress: '192.168.152.1' },
  } as WaltSegment;
}

export function nodeFixture(name: string, mac: string, segment: string, image = 'lab/debian'): WaltNode {
  return {
    apiVersion: 'walt.dev/v1alpha1',
    kind: 'WaltNode',
    metadata: { name, generation: 1 },
    spec: { mac, model: MODEL, segment, image },
  } as WaltNode;
}

export const IMAGE_DIGEST = `sha256:${'1'.repeat(64)}`;

/** A WaltImage `namespace/name` unpacked on `segment` as `manifests`, or not unpacked (manifests empty). */
export function imageFixture(ref: string, segment: string, manifests: string[]): WaltImage {
  const [namespace, name] = ref.split('/') as [string, string];
  const unpacked = manifests.length > 0 ? 'True' : 'False';
  return {
    apiVersion: 'walt.dev/v1alpha1',
    kind: 'WaltImage',
    metadata: { namespace, name },
    spec: { ref: `registry.example/${name}:latest` },
    status: {
      digest: IMAGE_DIGEST,
      models: [MODEL],
      segments: [
        {
          segment,
          digest: IMAGE_DIGEST,
          manifests,
          conditions: [
            {
              type: 'Unpacked',
              status: unpacked,
              reason: 'Test',
              message: '',
              lastTransitionTime: '2025-01-01T00:00:00Z',
            },
          ],
        },
      ],
    },
  } as WaltImage;
}

export interface ViewFixture {
  segments: WaltSegment[];
  nodes: WaltNode[];
  images: WaltImage[];
  /** manifest digest → unpacked rootfs path (platform linux/amd64). */
  rootfs: Record<string, string>;
}

export function viewOf(fixture: ViewFixture): HttpBootView {
  return {
    segment: (name) => fixture.segments.find((s) => s.metadata.name === name),
    nodeByMac: (mac) => fixture.nodes.find((n) => n.spec.mac.toLowerCase() === mac),
    nodeByName: (name) => fixture.nodes.find((n) => n.metadata.name === name),
    image: (namespace, name) =>
      fixture.images.find((i) => i.metadata.namespace === namespace && i.metadata.name === name),
    rootfsOf: (digest) => {
      const p = fixture.rootfs[digest];
      return p === undefined ? undefined : { path: p, platform: 'linux/amd64' };
    },
  };
}

export interface OneNodeServerOptions {
  /** The image root filesystem of lab/debian. */
  rootfs: string;
  serverAddress: string;
  /** The MAC of node vn1. */
  mac: string;
  macOfIp: (ip: string) => string | undefined;
  fileCache?: FileCacheOptions;
}

/** The HTTP service for one node, vn1 on segment lab with image lab/debian; not listening yet. */
export function oneNodeServer(options: OneNodeServerOptions): FastifyInstance {
  return createHttpServer({
    segment: 'lab',
    serverAddress: options.serverAddress,
    view: viewOf({
      segments: [segmentFixture('lab')],
      nodes: [nodeFixture('vn1', options.mac, 'lab', 'lab/debian')],
      images: [imageFixture('lab/debian', 'lab', ['sha256:debian'])],
      rootfs: { 'sha256:debian': options.rootfs },
    }),
    macOfIp: options.macOfIp,
    exportPathOf: () => '/exports/x',
    onBootup: () => Promise.resolve(),
    logger: silentLogger(),
    metrics: createHttpMetrics(new Registry()),
    ...(options.fileCache ? { fileCache: options.fileCache } : {}),
  });
}
