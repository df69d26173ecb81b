// Auto-registration under abuse: which discovered devices become WaltNodes, and which discovered
// WaltNodes are collected. Pure: the cluster state and the time come in as parameters. A device on the
// segment can announce itself as a WalT node from as many MACs as it likes; what it can make the agent
// create is bounded three ways (WaltSegment spec.autoRegisterLimits):
// - at most `maxPending` discovered WaltNodes of the segment that have not booted yet;
// - `burst` registrations at once, then `perHour` (a token bucket);
// - a discovered WaltNode that has not booted within `forgetAfter` is deleted.
// A node counts as discovered while it carries the label walt.dev/discovered=true (a user adopting one
// removes the label) and as booted once its status has a lastBootup.
import { DISCOVERED_LABEL } from '../../api/node/index.js';
import { AUTO_REGISTER_LIMITS, type WaltNode, type WaltSegmentSpec } from '../../api/v1alpha1/index.js';
import { parseDurationMs } from '../../common/duration.js';
import { TokenBucket } from '../netboot/token-bucket.js';

export interface AutoRegisterLimits {
  maxPending: number;
  perHour: number;
  burst: number;
  forgetAfterMs: number;
}

const clamp = (value: number, min: number, max: number): number => Math.max(min, Math.min(max, value));

/** The limits of a segment, defaults filled in and every value clamped to the schema's range. */
export function autoRegisterLimitsOf(spec: Pick<WaltSegmentSpec, 'autoRegisterLimits'>): AutoRegisterLimits {
  const given: Partial<NonNullable<WaltSegmentSpec['autoRegisterLimits']>> = spec.autoRegisterLimits ?? {};
  const L = AUTO_REGISTER_LIMITS;
  const forget = parseDurationMs(given.forgetAfter ?? '') ?? parseDurationMs(L.forgetAfter.default)!;
  return {
    maxPending: clamp(given.maxPending ?? L.maxPending.default, 0, L.maxPending.maximum),
    perHour: clamp(given.perHour ?? L.perHour.default, 1, L.perHour.maximum),
    burst: clamp(given.burst ?? L.burst.default, 1, L.burst.maximum),
    forgetAfterMs: clamp(
      forget,
      parseDurationMs(L.forgetAfter.minimum)!,
      parseDurationMs(L.forgetAfter.maximum)!,
    ),
  };
}

/** A node of `segment` created by auto-registration that has not booted yet. */
export function isPendingDiscovered(node: WaltNode, segment: string): boolean {
  return (
    node.spec.segment === segment &&
    node.metadata.labels?.[DISCOVERED_LABEL] === 'true' &&
    !node.status?.lastBootup &&
    !node.metadata.deletionTimestamp
  );
}

function createdAt(node: WaltNode): number {
  const created = node.metadata.creationTimestamp as Date | string | undefined;
  return created === undefined ? Number.NaN : new Date(created).getTime();
}

/** Pending discovered nodes older than `forgetAfterMs`: to be deleted. */
export function staleDiscovered(
  nodes: Iterable<WaltNode>,
  segment: string,
  limits: AutoRegisterLimits,
  now: number,
): WaltNode[] {
  const stale: WaltNode[] = [];
  for (const node of nodes)
    if (isPendingDiscovered(node, segment) && now - createdAt(node) >= limits.forgetAfterMs) stale.push(node);
  return stale;
}

export type Admission = 'admit' | 'capped' | 'rate-limited';

/**
 * The rate and cap of one segment's registrations. admit() looks at the bucket first, so that under a
 * spray (bucket empty) it costs no scan of the nodes; `pending` is only counted for a device that may
 * be registered.
 */
export class Registrar {
  private bucket: TokenBucket;
  private key: string;

  constructor(limits: AutoRegisterLimits, now: number) {
    this.key = bucketKey(limits);
    this.bucket = bucketOf(limits, now);
  }

  admit(limits: AutoRegisterLimits, pending: () => number, now: number): Admission {
    if (bucketKey(limits) !== this.key) {
      this.key = bucketKey(limits);
      this.bucket = bucketOf(limits, now);
    }
    if (!this.bucket.canTake(now)) return 'rate-limited';
    if (pending() >= limits.maxPending) return 'capped';
    this.bucket.take(now);
    return 'admit';
  }
}

const bucketKey = (limits: AutoRegisterLimits): string => `${limits.perHour}/${limits.burst}`;
const bucketOf = (limits: AutoRegisterLimits, now: number): TokenBucket =>
  new TokenBucket({ ratePerSec: limits.perHour / 3600, burst: limits.burst }, now);
