// The record kept beside each unpacked rootfs: what it was built from, so the cache can be garbage
// collected (which blobs an image needs) and reported (sizes) without asking a registry.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CacheLayout } from './layout.js';

export interface ImageRecord {
  manifestDigest: string;
  configDigest: string;
  layers: Array<{ digest: string; size: number; mediaType: string }>;
  platform: string;
  unpackedAt: string;
}

export async function writeRecord(file: string, record: ImageRecord): Promise<void> {
  await writeFile(file, JSON.stringify(record, null, 2) + '\n');
}

export async function readRecord(file: string): Promise<ImageRecord | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as ImageRecord;
  } catch {
    return undefined;
  }
}

/** Every complete image in the cache (an image dir without a record is an interrupted unpack). */
export async function listRecords(layout: CacheLayout): Promise<ImageRecord[]> {
  const records: ImageRecord[] = [];
  const dir = path.join(layout.root, 'images', 'sha256');
  const entries = await readdir(dir).catch(() => [] as string[]);
  for (const hex of entries) {
    const record = await readRecord(layout.record(`sha256:${hex}`));
    if (record) records.push(record);
  }
  return records;
}
