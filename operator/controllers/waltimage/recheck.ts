// When the WaltImage controller must ask the registry again: a new spec, a never-resolved image, or
// (policy Periodic) the tag's re-check interval has passed — a tag that moves is then followed.

export interface RecheckInput {
  generation: number;
  /** Generation of the spec that was last resolved successfully. */
  resolvedGeneration?: number | undefined;
  resolvedAt?: string | undefined;
  digest?: string | undefined;
  policy: 'Never' | 'Periodic';
  intervalMs: number;
  /** A reference pinned by digest never moves. */
  pinned: boolean;
}

export interface RecheckDecision {
  resolveNow: boolean;
  /** When to look again (Periodic only). */
  nextCheckInMs?: number;
}

export function recheckDecision(input: RecheckInput, now: number): RecheckDecision {
  const stale = !input.digest || input.resolvedGeneration !== input.generation;
  if (input.policy !== 'Periodic' || input.pinned) return { resolveNow: stale };
  const last = input.resolvedAt ? Date.parse(input.resolvedAt) : NaN;
  const due = Number.isNaN(last) ? 0 : last + input.intervalMs - now;
  if (stale || due <= 0) return { resolveNow: true, nextCheckInMs: input.intervalMs };
  return { resolveNow: false, nextCheckInMs: due };
}
