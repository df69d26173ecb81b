import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { WaltImage, WaltNode, WaltSegment } from '../../api/v1alpha1/index.js';
import { cacheLayout } from '../images/store/layout.js';
import { cacheView, type Cache } from './informer-boot-view.js';

/** A plain in-memory cache standing in for an informer (this is a unit test of the indexing). */
function memoryCache<T extends { metadata: { name: string; namespace?: string } }>(
  items: T[],
): Cache<T> & { emit(event: string, obj: T): void; items: T[] } {
  const handlers = new Map<string, Array<(obj: T) => void>>();
  return {
    items,
    get: (name, namespace) =>
      items.find(
        (i) => i.metadata.name === name && (namespace === undefined || i.metadata.namespace === namespace),
      ),
    list: () => items,
    on: (event, cb) => handlers.set(event, [...(handlers.get(event) ?? []), cb]),
    emit: (event, obj) => handlers.get(event)?.forEach((cb) => cb(obj)),
  };
}

const node = (name: string, mac: string): WaltNode =>
  ({ metadata: { name }, spec: { mac, model: 'pc-x86-64', segment: 'lab' } }) as WaltNode;

describe('cacheView', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'walt-view-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds nodes by MAC in any spelling and follows MAC changes and deletions', () => {
    const nodes = memoryCache([node('vn1', '52:54:00:AA:00:01')]);
    const view = cacheView(
      { segments: memoryCache<WaltSegment>([]), nodes, images: memoryCache<WaltImage>([]) },
      cacheLayout(dir),
    );
    expect(view.nodeByMac('52-54-00-aa-00-01')?.metadata.name).toBe('vn1');

    const moved = node('vn1', '52:54:00:aa:00:02');
    nodes.items[0] = moved;
    nodes.emit('update', moved);
    expect(view.nodeByMac('52:54:00:aa:00:01')).toBeUndefined();
    expect(view.nodeByMac('52:54:00:aa:00:02')?.metadata.name).toBe('vn1');

    nodes.items.pop();
    nodes.emit('delete', moved);
    expect(view.nodeByMac('52:54:00:aa:00:02')).toBeUndefined();
  });

  it('answers the oldest WaltNode of a duplicated MAC, and the next one once it is deleted', () => {
    // Given two nodes with one MAC, the newer one seen first
    const newer = {
      ...node('vn-new', '52:54:00:aa:00:09'),
      metadata: { name: 'vn-new', creationTimestamp: new Date('2026-12-05T10:00:00Z') },
    } as WaltNode;
    const older = {
      ...node('vn-old', '52:54:00:aa:00:09'),
      metadata: { name: 'vn-old', creationTimestamp: new Date('2026-12-01T10:00:00Z') },
    } as WaltNode;
    const nodes = memoryCache([newer]);
    const view = cacheView(
      { segments: memoryCache<WaltSegment>([]), nodes, images: memoryCache<WaltImage>([]) },
      cacheLayout(dir),
    );
    nodes.items.push(older);
    nodes.emit('add', older);
    // Then the older one boots, whatever the order of events
    expect(view.nodeByMac('52:54:00:aa:00:09')?.metadata.name).toBe('vn-old');
    // When the older one is deleted, the other one takes the MAC
    nodes.items.splice(nodes.items.indexOf(older), 1);
    nodes.emit('delete', older);
    expect(view.nodeByMac('52:54:00:aa:00:09')?.metadata.name).toBe('vn-new');
  });

  it('reports an unpacked rootfs with the platform from its record, and nothing for an incomplete one', async () => {
    const layout = cacheLayout(dir);
    const complete = 'sha256:' + '1'.repeat(64);
    const partial = 'sha256:' + '2'.repeat(64);
    await mkdir(layout.rootfs(complete), { recursive: true });
    await writeFile(layout.record(complete), JSON.stringify({ platform: 'linux/arm64' }));
    await mkdir(layout.rootfs(partial), { recursive: true });
    const view = cacheView(
      {
        segments: memoryCache<WaltSegment>([]),
        nodes: memoryCache<WaltNode>([]),
        images: memoryCache<WaltImage>([]),
      },
      layout,
    );
    expect(view.rootfsOf(complete)).toEqual({ path: layout.rootfs(complete), platform: 'linux/arm64' });
    expect(view.rootfsOf(partial)).toBeUndefined();
    expect(view.rootfsOf('sha256:' + '3'.repeat(64))).toBeUndefined();
  });
});
