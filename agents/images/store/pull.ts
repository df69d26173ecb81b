// Pulls one platform image into the cache: its blobs (verified, shared, fetched concurrently) and then
// its root filesystem, unpacked layer by layer into a temporary directory and renamed into place, so a
// rootfs directory only ever exists complete. A second pull of the same digest is a cache hit.
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../../../common/logger.js';
import { ensureBlob, type BlobDescriptor } from './blob-store.js';
import { readRecord, writeRecord, type ImageRecord } from './image-record.js';
import type { CacheLayout } from './layout.js';
import { mapLimit } from './map-limit.js';
import { ProgressTracker, type ProgressSink } from './progress.js';

export interface PlatformManifest {
  config: BlobDescriptor;
  layers: BlobDescriptor[];
}

/** Where blobs come from: a registry client bound to one repository. */
export interface PullSource {
  getManifest(digest: string): Promise<PlatformManifest>;
  fetchBlob(
    descriptor: BlobDescriptor,
    destination: string,
    onProgress: (bytesDone: number) => void,
  ): Promise<void>;
}

export type LayerApplier = (
  rootfs: string,
  layer: NodeJS.ReadableStream,
  mediaType: string,
) => Promise<unknown>;

export interface PullRequest {
  layout: CacheLayout;
  source: PullSource;
  applyLayer: LayerApplier;
  manifestDigest: string;
  platform: string;
  logger: Logger;
  onProgress?: ProgressSink;
  /** Called once every blob is in the cache, before unpacking starts. */
  onPulled?: () => void;
  concurrency?: number;
}

export interface PullResult {
  record: ImageRecord;
  rootfs: string;
  reused: boolean;
  layersFetched: number;
  layersCached: number;
}

async function fetchBlobs(request: PullRequest, manifest: PlatformManifest): Promise<number> {
  const { layout, source } = request;
  const tracker = new ProgressTracker(
    new Map(manifest.layers.map((l) => [l.digest, l.size])),
    request.onProgress ?? ((): void => undefined),
  );
  await ensureBlob(layout, manifest.config, (d, file) => source.fetchBlob(d, file, () => undefined));
  const outcomes = await mapLimit(manifest.layers, request.concurrency ?? 3, async (layer) => {
    const outcome = await ensureBlob(layout, layer, (d, file) =>
      source.fetchBlob(d, file, (bytes) => tracker.bytes(d.digest, bytes)),
    );
    if (outcome === 'cached') tracker.cached(layer.digest);
    else tracker.finish(layer.digest);
    return outcome;
  });
  return outcomes.filter((o) => o === 'fetched').length;
}

async function unpack(request: PullRequest, manifest: PlatformManifest): Promise<string> {
  const { layout, manifestDigest } = request;
  const work = path.join(layout.tmp, `${randomBytes(6).toString('hex')}-rootfs`);
  await mkdir(work, { recursive: true });
  try {
    for (const layer of manifest.layers) {
      await request.applyLayer(work, createReadStream(layout.blob(layer.digest)), layer.mediaType);
    }
    await mkdir(layout.imageDir(manifestDigest), { recursive: true });
    await rm(layout.rootfs(manifestDigest), { recursive: true, force: true });
    await rename(work, layout.rootfs(manifestDigest));
  } catch (error) {
    await rm(work, { recursive: true, force: true });
    throw error;
  }
  return layout.rootfs(manifestDigest);
}

export async function pullImage(request: PullRequest): Promise<PullResult> {
  const { layout, manifestDigest } = request;
  const existing = await readRecord(layout.record(manifestDigest));
  if (existing) {
    request.onPulled?.();
    return {
      record: existing,
      rootfs: layout.rootfs(manifestDigest),
      reused: true,
      layersFetched: 0,
      layersCached: existing.layers.length,
    };
  }
  const manifest = await request.source.getManifest(manifestDigest);
  const fetched = await fetchBlobs(request, manifest);
  request.onPulled?.();
  const started = Date.now();
  const rootfs = await unpack(request, manifest);
  const record: ImageRecord = {
    manifestDigest,
    configDigest: manifest.config.digest,
    layers: manifest.layers.map(({ digest, size, mediaType }) => ({ digest, size, mediaType })),
    platform: request.platform,
    unpackedAt: new Date().toISOString(),
  };
  // The record is written last: it is what marks the rootfs complete.
  await writeRecord(layout.record(manifestDigest), record);
  request.logger.info(
    { manifestDigest, layers: manifest.layers.length, fetched, unpackMs: Date.now() - started },
    'image unpacked',
  );
  return {
    record,
    rootfs,
    reused: false,
    layersFetched: fetched,
    layersCached: manifest.layers.length - fetched,
  };
}
