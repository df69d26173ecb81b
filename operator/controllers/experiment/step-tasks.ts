// Steps run as tracked tasks (run, copy, checkpoint): start the task once, show its progress in
// status, end the step when it ends — or when it overruns its deadline (the task is aborted).
// A step found Running with no task (the operator restarted, or another replica took over while it
// ran) is failed with WALT_ERR_EXPERIMENT_STEP_INTERRUPTED, never run twice: its commands may have had
// effects, and their outcome is unknown.
import { experimentStepStream } from '../../../api/v1alpha1/index.js';
import { rfc3339 } from '../../runtime/conditions.js';
import { ERR_STEP_INTERRUPTED, ERR_STEP_TIMEOUT } from './errors.js';
import type { ExperimentRun } from './run.js';
import { checkpointStepTask } from './step-checkpoint.js';
import { copyStepTask } from './step-copy.js';
import { runStepTask } from './step-run.js';
import { stepTargets, taskDeadlineMs, type Step } from './steps.js';
import { withStep, type StepCursor } from './state.js';
import { TaskRegistry, type StepNodeResult, type TaskBody } from './tasks.js';
import type { StepAdvance } from './step-result.js';
import { completeStep } from './step-result.js';

function bodyFor(run: ExperimentRun, step: Step): TaskBody {
  const claimed = run.claimedNodes();
  const { agents, configMaps } = run.deps;
  const experiment = run.exp;
  const namespace = run.ref.namespace;
  return async (ctx) => {
    const nodes = stepTargets(step, claimed);
    if (step.run) {
      const logStream = experimentStepStream(namespace, experiment.metadata.name, step.name);
      return runStepTask({ run: step.run, nodes, logStream, agents })(ctx);
    }
    if (step.copy)
      return copyStepTask({ experiment, step: step.name, copy: step.copy, nodes, agents, configMaps })(ctx);
    const name = step.checkpoint?.name ?? step.name;
    return checkpointStepTask({ name, owner: namespace, nodes, agents })(ctx);
  };
}

async function showProgress(
  run: ExperimentRun,
  name: string,
  startedAt: number,
  results: StepNodeResult[],
): Promise<void> {
  const current = run.status.steps?.find((s) => s.name === name);
  const startTime = current?.startTime ?? rfc3339(new Date(startedAt));
  await run.commit(withStep(run.status, name, { phase: 'Running', startTime, results }));
}

export async function taskStep(
  run: ExperimentRun,
  cursor: Extract<StepCursor, { kind: 'step' }>,
): Promise<StepAdvance> {
  const { step } = cursor;
  const { tasks } = run.deps;
  const key = TaskRegistry.keyOf(run.uid, step.name);
  let task = tasks.get(key);
  if (!task && cursor.status.phase === 'Running') {
    return completeStep(run, step.name, {
      ok: false,
      results: cursor.status.results ?? [],
      message: ERR_STEP_INTERRUPTED(step.name).message,
    });
  }
  if (!task) {
    task = tasks.start(key, bodyFor(run, step), () => run.deps.enqueue(run.key));
    run.log(`running step ${step.name}`);
  }
  const deadline = task.startedAt + taskDeadlineMs(step);
  if (!task.outcome() && run.deps.now() >= deadline) {
    task.abort(ERR_STEP_TIMEOUT(step.name, Math.round(taskDeadlineMs(step) / 1000)));
  }
  const outcome = task.outcome();
  if (!outcome) {
    await showProgress(run, step.name, task.startedAt, task.results());
    return { kind: 'stop', outcome: { requeueAfterMs: deadline - run.deps.now() } };
  }
  tasks.forget(key);
  return completeStep(run, step.name, { ...outcome, results: task.results() });
}
