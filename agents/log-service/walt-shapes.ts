// WaltNode / WaltImage → the JSON of WalT's web API (api/agent/v1.ts WaltApiNode, WaltApiImage).
// WalT names images "<user>/<name>:<tag>": ours are "<namespace>/<WaltImage name>:latest", and the
// default image of a model "waltplatform/<model>-default:latest" (it lives in DEFAULT_IMAGE_NAMESPACE).
import type { WaltApiImage, WaltApiNode } from '../../api/agent/v1.js';
import type { WaltImage, WaltNode } from '../../api/v1alpha1/index.js';
import { parseDurationMs } from '../../common/duration.js';
import { DEFAULT_IMAGE_NAMESPACE, imageRefOf, normaliseMac } from '../netboot/gate.js';
import { localDateTime } from './time.js';

/** WalT's owner of the default images. */
export const WALT_DEFAULT_USER = 'waltplatform';

/** The WalT user (owner) of a WaltImage of `namespace`. */
export function waltUserOf(namespace: string): string {
  return namespace === DEFAULT_IMAGE_NAMESPACE ? WALT_DEFAULT_USER : namespace;
}

export function waltFullname(namespace: string, name: string): string {
  return `${waltUserOf(namespace)}/${name}:latest`;
}

type Virtual = NonNullable<WaltNode['spec']['virtual']>;

/** "512Mi" → "512M", "8Gi" → "8G", "1Ti" → "1T" (WalT's size units). */
const walTSize = (size: string): string => size.replace(/i$/, '');

function disksOf(virtual: Virtual): string {
  const disks = virtual.disks ?? [];
  if (disks.length === 0) return 'none';
  return disks
    .map((d) => `${walTSize(d.size)}${d.template === 'none' ? '' : `[template=${d.template}]`}`)
    .join(',');
}

function networksOf(virtual: Virtual): string {
  const parts = ['walt-net'];
  for (const net of virtual.networks ?? []) {
    const opts = [net.latency ? `lat=${net.latency}` : '', net.bandwidth ? `bw=${net.bandwidth}` : ''];
    const suffix = opts.filter(Boolean).join(',');
    const text = `${net.name}${suffix ? `[${suffix}]` : ''}`;
    if (net.name === 'walt-net') parts[0] = text;
    else parts.push(text);
  }
  return parts.join(',');
}

function bootDelayOf(virtual: Virtual): string {
  if (virtual.bootDelay === undefined) return '0';
  const ms = parseDurationMs(virtual.bootDelay);
  return ms === undefined ? virtual.bootDelay : String(Math.round(ms / 1000));
}

function virtualFields(virtual: Virtual): Partial<WaltApiNode> {
  return {
    ram: walTSize(virtual.memory),
    'cpu.cores': virtual.cpus,
    disks: disksOf(virtual),
    networks: networksOf(virtual),
    'boot.delay': bootDelayOf(virtual),
  };
}

function isBooted(node: WaltNode): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export function toWaltNode(node: WaltNode): WaltApiNode {
  const ref = imageRefOf(node);
  const shaped: WaltApiNode = {
    name: node.metadata.name,
    model: node.spec.model,
    virtual: node.spec.virtual !== undefined,
    image: waltFullname(ref.namespace, ref.name),
    booted: isBooted(node),
    ip: node.status?.ip ?? null,
    mac: normaliseMac(node.spec.mac),
    config: { ...(node.spec.settings ?? {}) },
  };
  return node.spec.virtual ? { ...shaped, ...virtualFields(node.spec.virtual) } : shaped;
}

/** The "<namespace>/<name>" of every image some node boots (its spec.image, "default" resolved). */
export function imagesInUse(nodes: readonly WaltNode[]): Set<string> {
  return new Set(
    nodes.map((n) => {
      const ref = imageRefOf(n);
      return `${ref.namespace}/${ref.name}`;
    }),
  );
}

function createdOf(image: WaltImage): string {
  // The client library gives creationTimestamp as a Date; objects read as JSON have a string.
  const when: Date | string | undefined = image.metadata.creationTimestamp ?? image.status?.resolvedAt;
  const date = when === undefined ? undefined : new Date(when);
  return date === undefined || Number.isNaN(date.getTime()) ? '' : localDateTime(date);
}

/** WalT lists images it has: a WaltImage whose digest is not resolved yet is left out (undefined). */
export function toWaltImage(image: WaltImage, inUse: ReadonlySet<string>): WaltApiImage | undefined {
  const digest = image.status?.digest;
  if (digest === undefined || !/^sha256:[0-9a-f]{64}$/.test(digest)) return undefined;
  const { namespace = '', name } = image.metadata;
  return {
    fullname: waltFullname(namespace, name),
    user: waltUserOf(namespace),
    id: digest.slice('sha256:'.length),
    in_use: inUse.has(`${namespace}/${name}`),
    created: createdOf(image),
    compatibility: [...(image.status?.models ?? image.spec.models ?? [])],
  };
}
