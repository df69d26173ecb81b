// The conditions GitOps tools read (Flux's kstatus, Argo CD health checks), on every walt.dev kind:
//   Ready        True when the object does what its spec asks (the printer columns' READY);
//   Reconciling  True while a controller works towards the spec (kstatus "InProgress");
//   Stalled      True when nothing will progress without a change to the spec or the world
//                (kstatus "Failed"), its reason and message saying what.
// Each carries the observedGeneration of the spec it was computed for. Types and reasons live here,
// written by the operator and the agents, read by the CLI, the chart's health checks and the tests.

export const READY = 'Ready';
export const RECONCILING = 'Reconciling';
export const STALLED = 'Stalled';

/** A condition before its transition time and generation are set (runtime's setCondition does). */
export interface ConditionValue {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

export const REASON = {
  /** WaltSegment: its agent reported within the freshness window. */
  AgentHeartbeat: 'AgentHeartbeat',
  /** WaltSegment: no agent has reported since the segment was created. */
  NoAgent: 'NoAgent',
  /** WaltSegment: the agent's last report is older than the freshness window. */
  AgentHeartbeatStale: 'AgentHeartbeatStale',
  /** Experiment: phases before the outcome. */
  Progressing: 'Progressing',
  Succeeded: 'Succeeded',
  Failed: 'Failed',
  /** WaltImage: resolving, pulling or unpacking. */
  Preparing: 'Preparing',
  /** Nothing to report (the False side of Reconciling or Stalled). */
  Idle: 'Idle',
} as const;

/** The `False` side of Reconciling or Stalled. */
export function idle(type: typeof RECONCILING | typeof STALLED, message: string): ConditionValue {
  return { type, status: 'False', reason: REASON.Idle, message };
}
