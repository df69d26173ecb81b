// Phase Running: the steps in spec order, each to Succeeded before the next starts; a Failed step,
// or spec.timeout passing, ends the run as Failed. Steps that take time never block a worker: wait
// steps re-queue after their duration, boot waits after a re-check delay, and commands and transfers
// run as tasks (step-tasks.ts) whose progress re-queues the experiment.
import { type ReconcileOutcome, rfc3339 } from '../../../runtime/index.js';
import { capped, timeoutMessage } from './phase-booting.js';
import { finish } from './release.js';
import type { ExperimentRun } from './reconcile-context.js';
import { bootStep } from './step-boot-reboot.js';
import { completeStep, type StepAdvance } from './step-result.js';
import { taskStep } from './step-tasks.js';
import { durationMs } from './steps.js';
import { currentStep, withStep, type StepCursor } from './state.js';

type Cursor = Extract<StepCursor, { kind: 'step' }>;

async function waitStep(run: ExperimentRun, cursor: Cursor): Promise<StepAdvance> {
  const { step } = cursor;
  const ms = durationMs(step.wait?.duration, 0);
  const now = run.deps.now();
  if (cursor.status.phase === 'Pending') {
    await run.commit(
      withStep(run.status, step.name, { phase: 'Running', startTime: rfc3339(new Date(now)) }),
    );
    run.log(`running step ${step.name} (wait ${step.wait?.duration ?? '0s'})`);
    if (ms > 0) return { kind: 'stop', outcome: { requeueAfterMs: ms } };
  }
  const started = Date.parse(cursor.status.startTime ?? rfc3339(new Date(now)));
  const left = started + ms - now;
  if (left > 0) return { kind: 'stop', outcome: { requeueAfterMs: left } };
  return completeStep(run, step.name, { ok: true, results: [] });
}

function advance(run: ExperimentRun, cursor: Cursor): Promise<StepAdvance> {
  const { step } = cursor;
  if (step.wait) return waitStep(run, cursor);
  if (step.boot || step.reboot) return bootStep(run, cursor);
  return taskStep(run, cursor);
}

export async function running(run: ExperimentRun): Promise<ReconcileOutcome> {
  for (;;) {
    const late = timeoutMessage(run);
    if (late) return finish(run, 'Failed', late);
    const cursor = currentStep(run.exp.spec, run.status);
    if (cursor.kind === 'done') {
      return finish(run, 'Succeeded', `all ${run.exp.spec.steps.length} steps succeeded`);
    }
    if (cursor.kind === 'failed') return finish(run, 'Failed', cursor.message);
    const next = await advance(run, cursor);
    if (next.kind === 'stop') return capped(run, next.outcome);
  }
}
