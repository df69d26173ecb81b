// The one netboot gate: "may this machine netboot on this segment, and into what?". DHCP options, the
// iPXE script, TFTP (including Raspberry Pi serial-number paths), HTTP boot files and NFS exports all
// ask this function, so a node is either bootable everywhere or nowhere. Pure: the agent hands it a
// view built from its informer caches and its image cache, never from a synchronous API call.
import { bootImageRefOf, bootImageSourceOf } from '../../api/node/index.js';
import { systemNamespace } from '../../api/system-namespace.js';
import path from 'node:path';
import { platformOfModel } from '../../oci/index.js';
import type { WaltImage, WaltNode, WaltSegment } from '../../api/v1alpha1/index.js';
import { isNodeModel, type NodeModelName } from '../../api/v1alpha1/node-models.js';

/** Namespace holding the default images, named `<model>-default` (WalT's waltplatform/<model>-default). */
export const DEFAULT_IMAGE_NAMESPACE = systemNamespace();

export interface BootRequest {
  segment: string;
  mac: string;
}

export interface BootView {
  segment(name: string): WaltSegment | undefined;
  nodeByMac(mac: string): WaltNode | undefined;
  image(namespace: string, name: string): WaltImage | undefined;
  /** Where the agent unpacked a platform manifest, and which platform it is ("linux/amd64"), if it did. */
  rootfsOf(manifestDigest: string): { path: string; platform: string } | undefined;
}

export type DenyReason =
  'UnknownSegment' | 'UnknownNode' | 'OtherSegment' | 'NoImage' | 'ImageNotReady' | 'ModelNotSupported';

export interface BootTarget {
  allow: true;
  node: WaltNode;
  model: NodeModelName;
  image: { namespace: string; name: string; digest: string; manifestDigest: string };
  /** The image root filesystem on the agent (exported read-only over NFS). */
  rootfs: string;
  /** The node's boot files: `<rootfs>/boot/<model>/` (walt-reference §4). */
  bootDir: string;
}

export interface BootDenied {
  allow: false;
  reason: DenyReason;
  message: string;
  /** The node, when it is known (the reason then concerns its image or segment). */
  node?: WaltNode;
}

export type BootDecision = BootTarget | BootDenied;

/** How long withRootfsCache() keeps an answer. */
export const ROOTFS_CACHE_MS = 1000;

/**
 * `view` with the answers of rootfsOf() kept for `ttlMs`. The gate asks it on every request, and the
 * view answers from the filesystem (the rootfs may have been garbage-collected); a boot storm asks
 * hundreds of times a second about the same manifest. A rootfs unpacked or removed meanwhile is seen at
 * most `ttlMs` late. The other answers come from informer caches and stay live.
 */
export function withRootfsCache<V extends BootView>(
  view: V,
  ttlMs = ROOTFS_CACHE_MS,
  now: () => number = Date.now,
): V {
  const answers = new Map<string, { at: number; rootfs: ReturnType<BootView['rootfsOf']> }>();
  const rootfsOf = (manifestDigest: string): ReturnType<BootView['rootfsOf']> => {
    const at = now();
    const kept = answers.get(manifestDigest);
    if (kept && at - kept.at < ttlMs) return kept.rootfs;
    if (answers.size >= 64) answers.clear(); // a handful of manifests in use: bound it anyway
    const rootfs = view.rootfsOf(manifestDigest);
    answers.set(manifestDigest, { at, rootfs });
    return rootfs;
  };
  // Everything else is the view's own (a prototype link, so a class instance keeps its methods).
  return Object.assign(Object.create(view) as V, { rootfsOf });
}

export function normaliseMac(mac: string): string {
  return mac.toLowerCase().replaceAll('-', ':');
}

/**
 * The WaltImage a node boots: its claim's image, else `spec.image` ("default" → the model's default
 * image); one rule for every reader (`bootImageOf`, api/node/boot-image.ts).
 */
export function imageRefOf(node: WaltNode): { namespace: string; name: string } {
  return bootImageRefOf(node, DEFAULT_IMAGE_NAMESPACE);
}

function deny(reason: DenyReason, message: string, node?: WaltNode): BootDenied {
  return { allow: false, reason, message, ...(node ? { node } : {}) };
}

type SegmentEntry = NonNullable<NonNullable<WaltImage['status']>['segments']>[number];

/** This segment's report on the image, if it unpacked the image's current digest. */
function unpackedEntry(image: WaltImage, segment: string): SegmentEntry | undefined {
  const entry = image.status?.segments?.find((s) => s.segment === segment);
  const current = entry !== undefined && entry.digest === image.status?.digest;
  const unpacked = entry?.conditions?.some((c) => c.type === 'Unpacked' && c.status === 'True') ?? false;
  return current && unpacked ? entry : undefined;
}

/** The manifest this segment unpacked for the node's model (multi-arch images have several). */
function unpackedFor(
  image: WaltImage,
  segment: string,
  model: NodeModelName,
  view: BootView,
): { manifestDigest: string; rootfs: string } | undefined {
  const wanted = platformOfModel(model);
  for (const manifestDigest of unpackedEntry(image, segment)?.manifests ?? []) {
    const rootfs = view.rootfsOf(manifestDigest);
    if (rootfs?.platform === wanted) return { manifestDigest, rootfs: rootfs.path };
  }
  return undefined;
}

function supportedModels(image: WaltImage): string[] {
  return image.spec.models?.length ? image.spec.models : (image.status?.models ?? []);
}

function imageDecision(
  node: WaltNode,
  model: NodeModelName,
  request: BootRequest,
  view: BootView,
): BootDecision {
  const { ref, source } = bootImageSourceOf(node, DEFAULT_IMAGE_NAMESPACE);
  const name = `${ref.namespace}/${ref.name}`;
  const image = view.image(ref.namespace, ref.name);
  if (!image) {
    const fix = source === 'claim' ? 'or end the experiment that claims the node' : 'or set spec.image';
    return deny('NoImage', `WaltImage ${name} does not exist: create it ${fix}`, node);
  }
  const digest = image.status?.digest;
  const models = supportedModels(image);
  if (digest && !models.includes(model)) {
    return deny(
      'ModelNotSupported',
      `image ${name} does not support model ${model} (it supports: ${models.join(', ') || 'none'})`,
      node,
    );
  }
  const unpacked = digest ? unpackedFor(image, request.segment, model, view) : undefined;
  if (!digest || !unpacked)
    return deny('ImageNotReady', `image ${name} is not unpacked on segment ${request.segment} yet`, node);
  return {
    allow: true,
    node,
    model,
    image: { ...ref, digest, manifestDigest: unpacked.manifestDigest },
    rootfs: unpacked.rootfs,
    bootDir: path.join(unpacked.rootfs, 'boot', model),
  };
}

export function decideBoot(request: BootRequest, view: BootView): BootDecision {
  if (!view.segment(request.segment))
    return deny('UnknownSegment', `segment ${request.segment} does not exist`);
  const node = view.nodeByMac(normaliseMac(request.mac));
  if (!node) return deny('UnknownNode', `no WaltNode has MAC ${normaliseMac(request.mac)}`);
  if (node.spec.segment !== request.segment) {
    return deny(
      'OtherSegment',
      `node ${node.metadata.name} belongs to segment ${node.spec.segment}, not ${request.segment}`,
      node,
    );
  }
  if (!isNodeModel(node.spec.model))
    return deny('ModelNotSupported', `unknown model ${node.spec.model as string}`, node);
  return imageDecision(node, node.spec.model, request, view);
}
