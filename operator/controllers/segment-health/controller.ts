// Ready, Reconciling and Stalled of every WaltSegment, from its agent's heartbeat (api/kstatus/segment.ts):
// the agent writes status.agent.lastHeartbeat every 30 s, but a dead agent says nothing, so the operator
// reads the heartbeat and looks again when it would go stale. Its own field manager
// (walt-segment-health) owns these three conditions and nothing else of the segment.
import { segmentHealth } from '../../../api/kstatus/index.js';
import { RESOURCES, type WaltSegment } from '../../../api/v1alpha1/index.js';
import {
  setCondition,
  type Condition,
  type ManagedControllerOptions,
  type ReconcileContext,
  type ReconcileOutcome,
} from '../../../runtime/index.js';

export const SEGMENT_HEALTH_FIELD_MANAGER = 'walt-segment-health';

export interface SegmentHealthOptions {
  /** Clock (tests move it). */
  now?: () => number;
}

function sameConditions(a: readonly Condition[], b: readonly Condition[] | undefined): boolean {
  const key = (c: Condition): string =>
    `${c.type}|${c.status}|${c.reason}|${c.message}|${c.observedGeneration ?? ''}`;
  const ours = new Set(a.map(key));
  const theirs = (b ?? []).filter((c) => a.some((x) => x.type === c.type)).map(key);
  return theirs.length === a.length && theirs.every((k) => ours.has(k));
}

async function reconcile(
  segment: WaltSegment,
  ctx: ReconcileContext<WaltSegment>,
  options: SegmentHealthOptions,
): Promise<ReconcileOutcome> {
  const now = options.now?.() ?? Date.now();
  const health = segmentHealth(segment, now);
  const existing = segment.status?.conditions;
  const conditions = health.conditions
    .reduce<Condition[]>(
      (list, c) => setCondition(list, c, segment.metadata.generation, new Date(now)),
      [...(existing ?? [])],
    )
    .filter((c) => health.conditions.some((h) => h.type === c.type));
  if (!sameConditions(conditions, existing)) await ctx.status.apply({ conditions });
  return health.recheckInMs === undefined ? undefined : { requeueAfterMs: health.recheckInMs };
}

export function segmentHealthController(
  options: SegmentHealthOptions = {},
): ManagedControllerOptions<WaltSegment> {
  return {
    name: 'segment-health',
    resource: RESOURCES.segment,
    fieldManager: SEGMENT_HEALTH_FIELD_MANAGER,
    reconcile: (segment, ctx) => reconcile(segment, ctx, options),
  };
}
