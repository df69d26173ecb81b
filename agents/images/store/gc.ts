// Garbage collection of the image cache: what to delete when WaltImages go away.
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { listRecords, type ImageRecord } from './image-record.js';
import type { CacheLayout } from './layout.js';

export interface GcPlan {
  images: string[];
  blobs: string[];
}

/**
 * Pure: given the complete images in the cache, the blobs present, and the manifest digests still
 * wanted, which images and blobs can go. A blob stays while any kept image uses it.
 */
export function planGc(records: ImageRecord[], blobs: string[], keep: ReadonlySet<string>): GcPlan {
  const kept = records.filter((r) => keep.has(r.manifestDigest));
  const needed = new Set(kept.flatMap((r) => [r.configDigest, ...r.layers.map((l) => l.digest)]));
  return {
    images: records.filter((r) => !keep.has(r.manifestDigest)).map((r) => r.manifestDigest),
    blobs: blobs.filter((b) => !needed.has(b)),
  };
}

async function listBlobs(layout: CacheLayout): Promise<string[]> {
  const dir = path.join(layout.root, 'blobs', 'sha256');
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => /^[a-f0-9]{64}$/.test(n)).map((hex) => `sha256:${hex}`);
}

/** Deletes every cached image whose manifest digest is not in `keep`, and the blobs only they used. */
export async function collectGarbage(layout: CacheLayout, keep: ReadonlySet<string>): Promise<GcPlan> {
  const plan = planGc(await listRecords(layout), await listBlobs(layout), keep);
  for (const digest of plan.images) await rm(layout.imageDir(digest), { recursive: true, force: true });
  for (const digest of plan.blobs) await rm(layout.blob(digest), { force: true });
  return plan;
}

/** Removes what interrupted pulls left behind; only safe when no pull is running (agent start). */
export async function cleanTemporary(layout: CacheLayout): Promise<void> {
  await rm(layout.tmp, { recursive: true, force: true });
}
