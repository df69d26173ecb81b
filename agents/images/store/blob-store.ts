// Content-addressed blob cache. A blob file only ever appears after its digest and size were verified
// (the fetcher writes a partial file and renames it), so presence means valid. Concurrent requests for
// one digest share a single download.
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { CacheLayout } from './layout.js';

export interface BlobDescriptor {
  mediaType: string;
  digest: string;
  size: number;
}

export type BlobFetcher = (descriptor: BlobDescriptor, destination: string) => Promise<void>;

const inFlight = new Map<string, Promise<'fetched'>>();

async function present(file: string, size: number): Promise<boolean> {
  try {
    return (await stat(file)).size === size;
  } catch {
    return false;
  }
}

/** Makes sure the blob is in the cache; says whether it had to be fetched. */
export async function ensureBlob(
  layout: CacheLayout,
  descriptor: BlobDescriptor,
  fetch: BlobFetcher,
): Promise<'cached' | 'fetched'> {
  const file = layout.blob(descriptor.digest);
  if (await present(file, descriptor.size)) return 'cached';
  const key = `${layout.root}\0${descriptor.digest}`;
  let pending = inFlight.get(key);
  if (!pending) {
    pending = (async (): Promise<'fetched'> => {
      await mkdir(path.dirname(file), { recursive: true });
      await fetch(descriptor, file);
      return 'fetched';
    })().finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
  }
  return pending;
}
