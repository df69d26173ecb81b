// The BootView the agent's boot services read: WaltSegments, WaltNodes and WaltImages from informer
// caches (no API call on a boot request), nodes indexed by MAC as events arrive, and the platform of
// each unpacked rootfs read once from its image record (records never change once written).
import { existsSync, readFileSync } from 'node:fs';
import type { WaltImage, WaltNode, WaltSegment } from '../../api/v1alpha1/index.js';
import type { ImageRecord } from '../images/store/image-record.js';
import type { CacheLayout } from '../images/store/layout.js';
import { normaliseMac, type BootView } from './gate.js';
import { macOwner } from './mac-owner.js';

/** What the view needs from an informer (runtime's Informer satisfies it). */
export interface Cache<T> {
  get(name: string, namespace?: string): T | undefined;
  list(): T[];
  on(event: 'add' | 'update' | 'delete' | 'resync', cb: (obj: T) => void): void;
}

export interface CacheView extends BootView {
  nodes(): WaltNode[];
  nodeByName(name: string): WaltNode | undefined;
}

export function cacheView(
  caches: { segments: Cache<WaltSegment>; nodes: Cache<WaltNode>; images: Cache<WaltImage> },
  layout: CacheLayout,
): CacheView {
  // Several WaltNodes may hold one MAC (a schema cannot forbid it): all are indexed, macOwner() picks.
  const byMac = new Map<string, Set<string>>();
  const macOf = new Map<string, string>();
  const unindex = (node: WaltNode): void => {
    const mac = macOf.get(node.metadata.name);
    if (mac === undefined) return;
    macOf.delete(node.metadata.name);
    const names = byMac.get(mac);
    names?.delete(node.metadata.name);
    if (names?.size === 0) byMac.delete(mac);
  };
  const index = (node: WaltNode): void => {
    unindex(node);
    const mac = normaliseMac(node.spec.mac);
    macOf.set(node.metadata.name, mac);
    byMac.set(mac, (byMac.get(mac) ?? new Set()).add(node.metadata.name));
  };
  for (const node of caches.nodes.list()) index(node);
  caches.nodes.on('add', index);
  caches.nodes.on('update', index);
  caches.nodes.on('resync', index);
  caches.nodes.on('delete', unindex);

  const platforms = new Map<string, string>();
  const rootfsOf = (manifestDigest: string): { path: string; platform: string } | undefined => {
    const path = layout.rootfs(manifestDigest);
    if (!existsSync(path)) return undefined; // garbage-collected meanwhile
    let platform = platforms.get(manifestDigest);
    if (!platform) {
      try {
        platform = (JSON.parse(readFileSync(layout.record(manifestDigest), 'utf8')) as ImageRecord).platform;
      } catch {
        return undefined; // an unpack still in progress has no record yet
      }
      platforms.set(manifestDigest, platform);
    }
    return { path, platform };
  };

  return {
    segment: (name) => caches.segments.get(name),
    nodeByMac: (mac) => {
      const wanted = normaliseMac(mac);
      const holders: WaltNode[] = [];
      for (const name of byMac.get(wanted) ?? []) {
        const node = caches.nodes.get(name);
        // A node whose MAC changed is reindexed on its update; never answer with a stale match.
        if (node && normaliseMac(node.spec.mac) === wanted) holders.push(node);
      }
      return macOwner(holders);
    },
    image: (namespace, name) => caches.images.get(name, namespace),
    rootfsOf,
    nodes: () => caches.nodes.list(),
    nodeByName: (name) => caches.nodes.get(name),
  };
}
