// The experiment's phase machine and the status each transition writes (pure).
//
//   Pending ─start→ Acquiring ─claimed→ Booting ─nodesReady→ Running ─stepsDone→ Releasing
//   Acquiring | Booting | Running ─failed→ Releasing ─released→ Succeeded | Failed
//
// The outcome is decided when the run ends and recorded in the Completed condition (status True,
// reason Succeeded or Failed) as the phase becomes Releasing; once every node is released the phase
// becomes that outcome and the Released condition turns True. So Succeeded and Failed are terminal and
// always mean "nodes released"; Releasing means "finished, giving the nodes back".
import type { ExperimentSpec, ExperimentStatus } from '../../../api/v1alpha1/index.js';
import { type ConditionInput, getCondition, rfc3339, setCondition } from '../../../runtime/index.js';
import { experimentSummary } from '../../../api/kstatus/index.js';
import { CONDITION } from './constants.js';
import { stepKind } from './steps.js';

export type Phase = NonNullable<ExperimentStatus['phase']>;
export type Outcome = 'Succeeded' | 'Failed';
export type PhaseEvent = 'start' | 'claimed' | 'nodesReady' | 'stepsDone' | 'failed' | 'released';
export type StepStatus = NonNullable<ExperimentStatus['steps']>[number];
export type NodeStatus = NonNullable<ExperimentStatus['nodes']>[number];

const TRANSITIONS: Partial<Record<Phase, Partial<Record<PhaseEvent, Phase>>>> = {
  Pending: { start: 'Acquiring', failed: 'Releasing' },
  Acquiring: { claimed: 'Booting', failed: 'Releasing' },
  Booting: { nodesReady: 'Running', failed: 'Releasing' },
  Running: { stepsDone: 'Releasing', failed: 'Releasing' },
};

/** The phase after `event`, or undefined when `event` does not apply in `phase`. */
export function nextPhase(phase: Phase, event: PhaseEvent, outcome?: Outcome): Phase | undefined {
  if (phase === 'Releasing' && event === 'released') return outcome ?? 'Failed';
  return TRANSITIONS[phase]?.[event];
}

/** The outcome recorded when the run ended (Completed condition), if it has ended. */
export function outcomeOf(status: ExperimentStatus | undefined): Outcome | undefined {
  const completed = getCondition(status?.conditions, CONDITION.Completed);
  if (completed?.status !== 'True') return undefined;
  return completed.reason === 'Succeeded' ? 'Succeeded' : 'Failed';
}

export function isTerminal(phase: Phase | undefined): boolean {
  return phase === 'Succeeded' || phase === 'Failed';
}

/** Holds the generation and clock for a series of pure status edits. */
export interface Clock {
  generation: number | undefined;
  now: Date;
}

export function withCondition(
  status: ExperimentStatus,
  input: ConditionInput,
  clock: Clock,
): ExperimentStatus {
  return { ...status, conditions: setCondition(status.conditions, input, clock.generation, clock.now) };
}

/** Ready, Reconciling and Stalled for `phase` (api/kstatus: what GitOps tools read). */
function withSummary(
  status: ExperimentStatus,
  phase: Phase,
  message: string,
  clock: Clock,
): ExperimentStatus {
  return experimentSummary(phase, message).reduce((next, c) => withCondition(next, c, clock), status);
}

function base(status: ExperimentStatus, clock: Clock, phase: Phase, message: string): ExperimentStatus {
  return withSummary(
    { ...status, observedGeneration: clock.generation, phase, message },
    phase,
    message,
    clock,
  );
}

export function toAcquiring(status: ExperimentStatus, message: string, clock: Clock): ExperimentStatus {
  const next = base(status, clock, 'Acquiring', message);
  return withCondition(
    next,
    { type: CONDITION.NodesClaimed, status: 'False', reason: 'Waiting', message },
    clock,
  );
}

export function toBooting(
  status: ExperimentStatus,
  nodes: readonly string[],
  image: string,
  clock: Clock,
): ExperimentStatus {
  const claimed = `claimed ${nodes.join(', ')}`;
  let next = base(status, clock, 'Booting', `${claimed}; booting ${image}`);
  next = { ...next, startTime: rfc3339(clock.now), nodes: nodes.map((name) => ({ name, phase: 'Claimed' })) };
  next = withCondition(
    next,
    { type: CONDITION.NodesClaimed, status: 'True', reason: 'Claimed', message: claimed },
    clock,
  );
  next = withCondition(
    next,
    { type: CONDITION.NodesReady, status: 'False', reason: 'Booting', message: `booting ${image}` },
    clock,
  );
  return withCondition(
    next,
    { type: CONDITION.Released, status: 'False', reason: 'Holding', message: `holding ${nodes.join(', ')}` },
    clock,
  );
}

export function toRunning(status: ExperimentStatus, spec: ExperimentSpec, clock: Clock): ExperimentStatus {
  const first = spec.steps[0];
  const message = first ? `running step ${first.name}` : 'no steps to run';
  let next = base(status, clock, 'Running', message);
  next = { ...next, steps: spec.steps.map((s) => ({ name: s.name, phase: 'Pending' as const })) };
  return withCondition(
    next,
    {
      type: CONDITION.NodesReady,
      status: 'True',
      reason: 'Ready',
      message: 'every claimed node booted the image',
    },
    clock,
  );
}

/** Steps not finished when the run ends: Pending ones are Skipped, a Running one Failed. */
function closeSteps(
  steps: ExperimentStatus['steps'],
  outcome: Outcome,
  now: Date,
): ExperimentStatus['steps'] {
  if (!steps) return steps;
  return steps.map((s) => {
    if (s.phase === 'Pending') return { ...s, phase: 'Skipped' as const };
    if (s.phase !== 'Running') return s;
    return {
      ...s,
      phase: outcome === 'Succeeded' ? s.phase : ('Failed' as const),
      completionTime: rfc3339(now),
    };
  });
}

export function toReleasing(
  status: ExperimentStatus,
  outcome: Outcome,
  message: string,
  clock: Clock,
): ExperimentStatus {
  let next = base(status, clock, 'Releasing', message);
  next = { ...next, completionTime: rfc3339(clock.now), steps: closeSteps(status.steps, outcome, clock.now) };
  return withCondition(next, { type: CONDITION.Completed, status: 'True', reason: outcome, message }, clock);
}

export function toReleased(
  status: ExperimentStatus,
  released: readonly string[],
  clock: Clock,
): ExperimentStatus {
  const outcome = outcomeOf(status) ?? 'Failed';
  const what = released.length ? `released ${released.join(', ')}` : 'no nodes to release';
  let next: ExperimentStatus = { ...status, observedGeneration: clock.generation, phase: outcome };
  next = { ...next, nodes: status.nodes?.map((n) => ({ ...n, phase: 'Released' })) };
  next = withSummary(next, outcome, status.message ?? what, clock);
  return withCondition(
    next,
    { type: CONDITION.Released, status: 'True', reason: 'Released', message: what },
    clock,
  );
}

/**
 * `status` with step `name` changed by `patch`. New results replace the old ones whole, so what the
 * status budget left out of the old ones (resultsOmitted, outputStream) goes with them.
 */
export function withStep(
  status: ExperimentStatus,
  name: string,
  patch: Partial<StepStatus>,
): ExperimentStatus {
  const fresh = (s: StepStatus): StepStatus => {
    if (!('results' in patch)) return s;
    const rest = { ...s };
    delete rest.resultsOmitted;
    delete rest.outputStream;
    return rest;
  };
  const steps = (status.steps ?? []).map((s) => (s.name === name ? { ...fresh(s), ...patch } : s));
  return { ...status, steps };
}

/** `status` with node `name` changed by `patch`. */
export function withNode(
  status: ExperimentStatus,
  name: string,
  patch: Partial<NodeStatus>,
): ExperimentStatus {
  const nodes = (status.nodes ?? []).map((n) => (n.name === name ? { ...n, ...patch } : n));
  return { ...status, nodes };
}

export type StepCursor =
  | { kind: 'done' }
  | { kind: 'failed'; step: string; message: string }
  | { kind: 'step'; index: number; step: ExperimentSpec['steps'][number]; status: StepStatus };

/** The step to work on: the first not Succeeded, in spec order (a Failed one ends the run). */
export function currentStep(spec: ExperimentSpec, status: ExperimentStatus): StepCursor {
  for (const [index, step] of spec.steps.entries()) {
    const st = status.steps?.find((s) => s.name === step.name) ?? {
      name: step.name,
      phase: 'Pending' as const,
    };
    if (st.phase === 'Succeeded' || st.phase === 'Skipped') continue;
    if (st.phase === 'Failed')
      return { kind: 'failed', step: step.name, message: failureOf(st, stepKind(step)) };
    return { kind: 'step', index, step, status: st };
  }
  return { kind: 'done' };
}

function failureOf(step: StepStatus, kind: string): string {
  const detail = step.details?.message;
  const first = step.results?.find((r) => r.message)?.message;
  const text = typeof detail === 'string' ? detail : (first ?? 'failed');
  return `${kind} step ${step.name} failed: ${text}`;
}

/** Whether the whole experiment ran past spec.timeout (counted from startTime). */
export function overallTimedOut(status: ExperimentStatus, timeoutMs: number, now: number): boolean {
  const start = status.startTime ? Date.parse(status.startTime) : NaN;
  return !Number.isNaN(start) && now - start >= timeoutMs;
}
