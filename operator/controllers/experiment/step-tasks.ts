// Steps run as tracked tasks (run, copy, checkpoint): start the task once, show its progress in
// status, end the step when it ends — or when it overruns its deadline (the task is aborted, and a run
// step's commands still running are cancelled on the nodes: TERM, then KILL).
// A run step gets its command id in status (Running, commandId) before any command is sent; found
// Running with no task (the operator restarted, or another replica took over while it ran) it is
// resumed: its commands are attached to by that id, never sent again (step-run.ts). Other steps found
// so (copy, checkpoint: no id) are failed with WALT_ERR_EXPERIMENT_STEP_INTERRUPTED, never run twice:
// they may have had effects, and their outcome is unknown.
import { randomBytes } from 'node:crypto';
import { experimentStepStream } from '../../../api/v1alpha1/index.js';
import { rfc3339 } from '../../../runtime/index.js';
import { cancelCommands } from './cancel.js';
import { ERR_STEP_INTERRUPTED, ERR_STEP_TIMEOUT } from './errors.js';
import type { ExperimentRun } from './reconcile-context.js';
import { checkpointStepTask } from './step-checkpoint.js';
import { copyStepTask } from './step-copy.js';
import { resumeRunStepTask, runStepTask, type RunStepInput } from './step-run.js';
import { stepTargets, taskDeadlineMs, type Step } from './steps.js';
import { withStep, type StepCursor } from './state.js';
import { TaskRegistry, type StepNodeResult, type Task, type TaskBody } from './tasks.js';
import type { StepAdvance } from './step-result.js';
import { completeStep } from './step-result.js';

/** A fresh command id for a run step: unique per experiment and step, safe in a URL and a script. */
export function newCommandId(uid: string): string {
  return `${uid.replace(/[^0-9a-zA-Z]/g, '').slice(0, 16)}-${randomBytes(8).toString('hex')}`;
}

function runInput(run: ExperimentRun, step: Step, commandId: string): RunStepInput {
  const logStream = experimentStepStream(run.ref.namespace, run.exp.metadata.name, step.name);
  return {
    run: step.run!,
    nodes: stepTargets(step, run.claimedNodes()),
    logStream,
    agents: run.deps.agents,
    commandId,
    onRetry: (node, error) =>
      run.logger.warn(
        { err: error, node, step: step.name },
        'agent unreachable; re-attaching to the command',
      ),
  };
}

/** Resolves once every node of `nodes` is in the node cache (or `signal` aborts). */
async function cached(run: ExperimentRun, nodes: readonly string[], signal: AbortSignal): Promise<void> {
  while (!signal.aborted && nodes.some((name) => run.deps.node(name) === undefined)) {
    await new Promise((resolve) => setTimeout(resolve, CACHE_WAIT_MS));
  }
}

/** The body of a run step found Running after a restart, or undefined when it cannot be resumed. */
function resumedBody(run: ExperimentRun, cursor: Cursor): TaskBody | undefined {
  const { step, status } = cursor;
  const { commandId } = status;
  if (!step.run || commandId === undefined) return undefined;
  // Inside the task: a bad target fails the step rather than every reconcile.
  return async (ctx) => {
    const input = runInput(run, step, commandId);
    // Just after a restart the node cache (which says each node's segment, so its agent) may not
    // have synced yet. The platform line waits for it too: run.log finds the agents to send it to
    // through that cache, and dropped it when it was empty.
    await cached(run, input.nodes, ctx.signal);
    run.log(`re-attaching to the commands of step ${step.name} (id ${commandId})`);
    return resumeRunStepTask(input, status.results ?? [])(ctx);
  };
}

function bodyFor(run: ExperimentRun, step: Step, commandId: string | undefined): TaskBody {
  const claimed = run.claimedNodes();
  const { agents, configMaps } = run.deps;
  const experiment = run.exp;
  const namespace = run.ref.namespace;
  return async (ctx) => {
    if (step.run && commandId !== undefined) return runStepTask(runInput(run, step, commandId))(ctx);
    const nodes = stepTargets(step, claimed);
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

type Cursor = Extract<StepCursor, { kind: 'step' }>;

const CACHE_WAIT_MS = 200;

/** A run step's command id, in status with the phase Running before anything is sent. */
async function recordCommandId(run: ExperimentRun, step: Step): Promise<string> {
  const commandId = newCommandId(run.uid);
  const startTime = rfc3339(new Date(run.deps.now()));
  await run.commit(withStep(run.status, step.name, { phase: 'Running', startTime, commandId }));
  return commandId;
}

/** The step's task: the one running, or a new one, or a resumed one (undefined: cannot resume). */
async function taskOf(run: ExperimentRun, cursor: Cursor, key: string): Promise<Task | undefined> {
  const { step } = cursor;
  const { tasks } = run.deps;
  const known = tasks.get(key);
  if (known) return known;
  const onChange = (): void => run.deps.enqueue(run.key);
  if (cursor.status.phase === 'Running') {
    const body = resumedBody(run, cursor);
    if (!body) return undefined;
    const started = Date.parse(cursor.status.startTime ?? '');
    return tasks.start(key, body, onChange, Number.isNaN(started) ? undefined : started);
  }
  const commandId = step.run ? await recordCommandId(run, step) : undefined;
  run.log(`running step ${step.name}`);
  return tasks.start(key, bodyFor(run, step, commandId), onChange);
}

/**
 * A task past its step's deadline is aborted; a run step's commands are cancelled on the nodes without
 * a result (status still says the step is Running): aborting the wait alone would leave them running
 * there (a command sent late, after the node connected, or whose answer was lost).
 */
export async function endOverrun(
  run: ExperimentRun,
  task: Task,
  step: Step,
  deadline: number,
): Promise<void> {
  if (task.outcome() || run.deps.now() < deadline) return;
  task.abort(ERR_STEP_TIMEOUT(step.name, Math.round(taskDeadlineMs(step) / 1000)));
  if (step.run) await cancelCommands(run);
}

export async function taskStep(run: ExperimentRun, cursor: Cursor): Promise<StepAdvance> {
  const { step } = cursor;
  const { tasks } = run.deps;
  const key = TaskRegistry.keyOf(run.uid, step.name);
  const task = await taskOf(run, cursor, key);
  if (!task) {
    return completeStep(run, step.name, {
      ok: false,
      results: cursor.status.results ?? [],
      message: ERR_STEP_INTERRUPTED(step.name).message,
    });
  }
  const deadline = task.startedAt + taskDeadlineMs(step);
  await endOverrun(run, task, step, deadline);
  const outcome = task.outcome();
  if (!outcome) {
    await showProgress(run, step.name, task.startedAt, task.results());
    return { kind: 'stop', outcome: { requeueAfterMs: deadline - run.deps.now() } };
  }
  tasks.forget(key);
  return completeStep(run, step.name, { ...outcome, results: task.results() });
}
