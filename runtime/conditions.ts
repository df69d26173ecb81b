// Standard conditions (metav1.Condition) in status: pure helpers. lastTransitionTime moves only when
// the condition's status changes, so watchers can tell how long a state has held.
import type { Condition } from '../api/v1alpha1/conditions.js';

export type { Condition } from '../api/v1alpha1/conditions.js';

export interface ConditionInput {
  type: string;
  status: Condition['status'];
  reason: string;
  message: string;
}

/** RFC 3339 at second precision, as metav1.Time serialises. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z');
}

/**
 * Returns `conditions` with `input` set: a new condition is appended; an existing one of the same type
 * is replaced, keeping its lastTransitionTime unless its status changed. The input array is not changed.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  input: ConditionInput,
  generation: number | undefined,
  now: Date = new Date(),
): Condition[] {
  const list = conditions ?? [];
  const existing = list.find((c) => c.type === input.type);
  const next: Condition = {
    type: input.type,
    status: input.status,
    reason: input.reason,
    message: input.message,
    ...(generation === undefined ? {} : { observedGeneration: generation }),
    lastTransitionTime:
      existing && existing.status === input.status ? existing.lastTransitionTime : rfc3339(now),
  };
  if (!existing) return [...list, next];
  return list.map((c) => (c.type === input.type ? next : c));
}

export function getCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isConditionTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return getCondition(conditions, type)?.status === 'True';
}

export function removeCondition(conditions: readonly Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}
