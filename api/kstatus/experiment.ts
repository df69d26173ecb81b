// Ready, Reconciling and Stalled of an Experiment, from its phase. An experiment is a run, not a
// service: Ready is True once it Succeeded (what a GitOps tool waits for before it calls the apply
// healthy); Reconciling is True while it acquires, boots, runs or releases; Stalled is True once it
// Failed — it never runs again unless it is created again. Pure.
import type { ExperimentStatus } from '../v1alpha1/index.js';
import { idle, READY, REASON, RECONCILING, STALLED, type ConditionValue } from './names.js';

type Phase = NonNullable<ExperimentStatus['phase']>;

export function experimentSummary(phase: Phase, message: string): ConditionValue[] {
  if (phase === 'Succeeded') {
    return [
      { type: READY, status: 'True', reason: REASON.Succeeded, message },
      idle(RECONCILING, 'the experiment is over'),
      idle(STALLED, 'the experiment succeeded'),
    ];
  }
  if (phase === 'Failed') {
    return [
      { type: READY, status: 'False', reason: REASON.Failed, message },
      idle(RECONCILING, 'the experiment is over'),
      { type: STALLED, status: 'True', reason: REASON.Failed, message },
    ];
  }
  const doing = `${phase}: ${message}`;
  return [
    { type: READY, status: 'False', reason: REASON.Progressing, message: doing },
    { type: RECONCILING, status: 'True', reason: phase, message: doing },
    idle(STALLED, 'the experiment is progressing'),
  ];
}
