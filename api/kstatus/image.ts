// Reconciling and Stalled of a WaltImage, from the conditions the operator already derives (Resolved,
// Ready: operator/controllers/waltimage/aggregate.ts). Reconciling while it resolves, pulls or unpacks;
// Stalled when it cannot resolve for a reason retrying will not fix (the reference, its models, its
// pull secret: a change is needed). Pure.
import { idle, REASON, RECONCILING, STALLED, type ConditionValue } from './names.js';

export interface ImageConditionsIn {
  resolved: ConditionValue;
  ready: ConditionValue;
  /** Whether the failure to resolve is transient (registry unreachable, 5xx): retried, not stalled. */
  transient: boolean;
}

export function imageSummary(input: ImageConditionsIn): ConditionValue[] {
  const { resolved, ready, transient } = input;
  if (ready.status === 'True') {
    return [idle(RECONCILING, 'the image is ready to boot'), idle(STALLED, 'the image is ready to boot')];
  }
  if (resolved.status !== 'True' && !transient) {
    return [
      idle(RECONCILING, 'nothing to do until the spec or the registry changes'),
      { type: STALLED, status: 'True', reason: resolved.reason, message: resolved.message },
    ];
  }
  return [
    { type: RECONCILING, status: 'True', reason: REASON.Preparing, message: ready.message },
    idle(STALLED, 'the image is being prepared'),
  ];
}
