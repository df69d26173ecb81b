// The AgentsReady condition of a WaltSegment, from its DaemonSet's status (pure). True when every
// node attached to the segment runs an up-to-date, ready agent; False with the counts otherwise,
// Unknown before the DaemonSet controller has looked at the current spec. Separate from Ready (the
// segment's own, set elsewhere): a segment may be valid while its agents roll.
import type * as k8s from '@kubernetes/client-node';
import { AGENTS_READY_CONDITION, segmentNodeLabel } from '../../../api/agent/workload.js';
import type { ConditionInput } from '../../../runtime/index.js';

/** Whether the DaemonSet controller has looked at the DaemonSet's current spec. */
function observed(
  ds: k8s.V1DaemonSet | undefined,
): ds is k8s.V1DaemonSet & { status: k8s.V1DaemonSetStatus } {
  const generation = ds?.metadata?.generation;
  return (
    generation !== undefined && ds?.status !== undefined && (ds.status.observedGeneration ?? 0) >= generation
  );
}

export function agentsReady(segment: string, ds: k8s.V1DaemonSet | undefined): ConditionInput {
  const type = AGENTS_READY_CONDITION;
  if (!observed(ds))
    return {
      type,
      status: 'Unknown',
      reason: 'Rolling',
      message: 'the DaemonSet controller has not seen the current spec yet',
    };
  const { desiredNumberScheduled: desired, numberReady: ready } = ds.status;
  const updated = ds.status.updatedNumberScheduled ?? 0;
  if (desired === 0)
    return {
      type,
      status: 'False',
      reason: 'NoNodes',
      message: `no Kubernetes node is attached to this segment: label the node(s) on its lab network ${segmentNodeLabel(segment)}=true`,
    };
  const counts = `${ready}/${desired} agents ready, ${updated}/${desired} up to date`;
  // Only the leader passes its readiness probe (a standby has no API listener): a healthy segment has
  // one Ready pod whatever the number of its nodes.
  if (updated < desired) return { type, status: 'False', reason: 'Rolling', message: counts };
  if (ready === 0)
    return {
      type,
      status: 'False',
      reason: 'NoLeader',
      message: `${counts}: no agent serves the segment yet`,
    };
  return { type, status: 'True', reason: 'LeaderServing', message: counts };
}
