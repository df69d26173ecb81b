// Ending a step: its phase, completion time, per-node results and reason in status, an event and a
// platform log line.
import { type ReconcileOutcome, rfc3339 } from '../../../runtime/index.js';
import type { ExperimentRun } from './reconcile-context.js';
import { withStep } from './state.js';
import type { StepOutcome } from './tasks.js';

/** After a step handler: go on with the next step now, or stop this reconcile with `outcome`. */
export type StepAdvance = { kind: 'next' } | { kind: 'stop'; outcome: ReconcileOutcome };

export async function completeStep(
  run: ExperimentRun,
  name: string,
  outcome: StepOutcome,
): Promise<StepAdvance> {
  const now = new Date(run.deps.now());
  const current = run.status.steps?.find((s) => s.name === name);
  const phase = outcome.ok ? ('Succeeded' as const) : ('Failed' as const);
  const next = withStep(run.status, name, {
    phase,
    startTime: current?.startTime ?? rfc3339(now),
    completionTime: rfc3339(now),
    ...(outcome.results.length ? { results: outcome.results } : {}),
    ...(outcome.message ? { details: { message: outcome.message } } : {}),
  });
  const note = `step ${name} ${phase.toLowerCase()}${outcome.message ? `: ${outcome.message}` : ''}`;
  await run.commit({ ...next, message: note });
  await run.event(outcome.ok ? 'Normal' : 'Warning', outcome.ok ? 'StepSucceeded' : 'StepFailed', note);
  run.log(note);
  return { kind: 'next' };
}
