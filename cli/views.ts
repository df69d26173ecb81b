// The columns of each table the CLI prints (pure). WalT's `walt node show` columns, mapped to
// resources: name, model, ip, image, phase (WalT's "booted") and who claims the node.
import type { WaltImage, WaltNode, WaltSegment } from '../api/v1alpha1/index.js';
import type { Condition } from '../api/v1alpha1/index.js';
import { modelsOf } from '../client/image-ref.js';
import { formatSize, shortDigest, type Column } from './output.js';

function conditionOf(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** "virtual" or "physical". */
export function nodeType(node: WaltNode): string {
  return node.spec.virtual ? 'virtual' : 'physical';
}

export const NODE_COLUMNS: readonly Column<WaltNode>[] = [
  { header: 'NAME', value: (n) => n.metadata.name },
  { header: 'MODEL', value: (n) => n.spec.model },
  { header: 'IP', value: (n) => n.status?.ip },
  // What it boots: an experiment's claim over spec.image (api/node/boot-image.ts)
  { header: 'IMAGE', value: (n) => n.status?.claimedBy?.image ?? n.spec.image },
  { header: 'PHASE', value: (n) => n.status?.phase },
  {
    header: 'CLAIMED-BY',
    value: (n) =>
      n.status?.claimedBy ? `${n.status.claimedBy.namespace}/${n.status.claimedBy.name}` : undefined,
  },
  { header: 'TYPE', value: nodeType, wide: true },
  { header: 'MAC', value: (n) => n.spec.mac, wide: true },
  { header: 'SEGMENT', value: (n) => n.spec.segment, wide: true },
  { header: 'BOOTED-IMAGE', value: (n) => n.status?.bootedImage?.name, wide: true },
];

/** "45%" while bytes move, from the aggregate progress of the image. */
export function progressOf(image: WaltImage): string | undefined {
  const p = image.status?.progress;
  if (!p || p.bytesTotal === 0) return undefined;
  return `${Math.floor((100 * p.bytesDone) / p.bytesTotal)}%`;
}

export const IMAGE_COLUMNS: readonly Column<WaltImage>[] = [
  { header: 'NAME', value: (i) => i.metadata.name },
  { header: 'REF', value: (i) => i.spec.ref },
  { header: 'DIGEST', value: (i) => shortDigest(i.status?.digest) },
  { header: 'MODELS', value: (i) => modelsOf(i).join(',') },
  { header: 'SIZE', value: (i) => formatSize(i.status?.size) },
  { header: 'READY', value: (i) => conditionOf(i.status?.conditions, 'Ready')?.status },
  { header: 'PROGRESS', value: progressOf, wide: true },
  { header: 'MESSAGE', value: (i) => conditionOf(i.status?.conditions, 'Ready')?.message, wide: true },
];

export const DEVICE_COLUMNS: readonly Column<WaltNode>[] = [
  { header: 'NAME', value: (n) => n.metadata.name },
  { header: 'IP', value: (n) => n.status?.ip },
  { header: 'MAC', value: (n) => n.spec.mac },
  { header: 'TYPE', value: (n) => `node (${nodeType(n)})` },
  { header: 'MODEL', value: (n) => n.spec.model },
  { header: 'SEGMENT', value: (n) => n.spec.segment },
  { header: 'NETSETUP', value: (n) => n.spec.settings?.netsetup },
];

export const SEGMENT_COLUMNS: readonly Column<WaltSegment>[] = [
  { header: 'SEGMENT', value: (s) => s.metadata.name },
  { header: 'SUBNET', value: (s) => s.spec.subnet },
  { header: 'SERVER', value: (s) => s.spec.serverAddress },
  { header: 'DHCP', value: (s) => s.spec.dhcp?.mode },
  { header: 'LEASES', value: (s) => s.status?.leasesInUse },
  { header: 'READY', value: (s) => conditionOf(s.status?.conditions, 'Ready')?.status },
];
