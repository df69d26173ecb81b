// What `walt image pull` shows of a WaltImage's status (pure): the operator resolves the reference
// (digest, models), each segment's boot agent pulls and unpacks it (status.segments[], with byte
// progress), and the operator sums them up (status.progress, the Ready condition).
import type { WaltImage } from '../api/v1alpha1/index.js';
import { modelsOf } from '../client/image-ref.js';
import { formatSize, shortDigest } from './output.js';

export type PullView =
  | { state: 'pending'; line: string }
  | { state: 'ready'; line: string }
  | { state: 'failed'; line: string; message: string };

/** Ready=False reasons the cluster retries by itself: keep waiting. */
const TRANSIENT_REASONS = new Set(['RegistryUnreachable', 'RegistryUnavailable', 'Pending', 'InProgress']);

type Segment = NonNullable<NonNullable<WaltImage['status']>['segments']>[number];

function percent(done: number, total: number): string {
  return `${Math.floor((100 * done) / total)}%`;
}

function segmentState(entry: Segment, digest: string): string {
  if (entry.digest !== digest) return 'waiting';
  const status = (type: string): string | undefined => entry.conditions?.find((c) => c.type === type)?.status;
  if (status('Unpacked') === 'True') return 'ready';
  if (status('Pulled') === 'False' || status('Unpacked') === 'False') return 'failed';
  if (status('Pulled') === 'True') return 'unpacking';
  const p = entry.progress;
  return p && p.bytesTotal > 0 ? percent(p.bytesDone, p.bytesTotal) : 'pulling';
}

function transferLine(image: WaltImage, digest: string): string {
  const name = image.metadata.name;
  const segments = image.status?.segments ?? [];
  if (segments.length === 0) return `${name}: resolved to ${shortDigest(digest)}, waiting for a boot agent`;
  const p = image.status?.progress;
  const total =
    p && p.bytesTotal > 0
      ? `${percent(p.bytesDone, p.bytesTotal)} (${formatSize(p.bytesDone)} of ${formatSize(p.bytesTotal)}) `
      : '';
  const perSegment = segments.map((s) => `${s.segment} ${segmentState(s, digest)}`).join(', ');
  return `${name}: pulling ${total}[${perSegment}]`;
}

/** What the Ready condition says, when it says anything final or worth showing. */
function fromReady(image: WaltImage): PullView | undefined {
  const name = image.metadata.name;
  const ready = image.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status === 'True') {
    const details = [
      shortDigest(image.status?.digest),
      modelsOf(image).join(','),
      formatSize(image.status?.size),
    ];
    return { state: 'ready', line: `${name}: Ready (${details.filter(Boolean).join(', ')})` };
  }
  if (ready?.status !== 'False') return undefined;
  if (TRANSIENT_REASONS.has(ready.reason))
    return { state: 'pending', line: `${name}: ${ready.message} (retrying)` };
  const message = `${ready.reason}: ${ready.message}`;
  return { state: 'failed', line: `${name}: failed, ${message}`, message };
}

export function pullView(image: WaltImage): PullView {
  const fromCondition = fromReady(image);
  if (fromCondition) return fromCondition;
  const digest = image.status?.digest;
  if (!digest) return { state: 'pending', line: `${image.metadata.name}: resolving ${image.spec.ref}` };
  return { state: 'pending', line: transferLine(image, digest) };
}
