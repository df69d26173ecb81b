import { planGc } from './gc.js';
import type { ImageRecord } from './image-record.js';

const d = (c: string): string => `sha256:${c.repeat(64)}`;
const record = (manifest: string, config: string, layers: string[]): ImageRecord => ({
  manifestDigest: d(manifest),
  configDigest: d(config),
  layers: layers.map((l) => ({
    digest: d(l),
    size: 1,
    mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
  })),
  platform: 'linux/amd64',
  unpackedAt: '2026-11-27T00:00:00Z',
});

describe('planGc', () => {
  const a = record('a', '1', ['x', 'y']);
  const b = record('b', '2', ['y', 'z']);
  const blobs = ['1', '2', 'x', 'y', 'z', 'f'].map(d);

  it('deletes an unwanted image and the blobs only it used, keeping shared layers', () => {
    // Given images a and b sharing layer y, when only b is kept
    const plan = planGc([a, b], blobs, new Set([d('b')]));
    // Then a goes, with its config and its own layer x, and the stray blob f; y stays for b
    expect(plan.images).toEqual([d('a')]);
    expect(plan.blobs.sort()).toEqual(['1', 'f', 'x'].map(d).sort());
  });

  it('keeps everything that a kept image needs', () => {
    expect(planGc([a, b], blobs, new Set([d('a'), d('b')]))).toEqual({ images: [], blobs: [d('f')] });
  });

  it('deletes all when nothing is kept', () => {
    expect(planGc([a, b], blobs, new Set())).toEqual({ images: [d('a'), d('b')], blobs });
  });
});
