import type { CancelAnswer } from '../../../api/agent/v1.js';
import type { Experiment } from '../../../api/v1alpha1/index.js';
import type { ExperimentRun } from './reconcile-context.js';
import { endOverrun } from './step-tasks.js';
import type { Step } from './steps.js';
import { TaskRegistry } from './tasks.js';

/** Just what endOverrun reads of a run, with the cancels its agents were asked for. */
function runAt(now: number): { run: ExperimentRun; cancels: string[]; notes: string[] } {
  const cancels: string[] = [];
  const notes: string[] = [];
  const exp = {
    spec: {
      nodes: { names: ['vn1', 'vn2'] },
      image: 'img',
      steps: [{ name: 'spin', run: { command: ['sleep', '1d'] } }],
    },
    status: {
      nodes: [{ name: 'vn1' }, { name: 'vn2' }],
      steps: [{ name: 'spin', phase: 'Running', commandId: 'c-1', results: [{ node: 'vn1', exitCode: 0 }] }],
    },
  } as unknown as Experiment;
  const cancelExec = (node: string, id: string): Promise<CancelAnswer> => {
    cancels.push(`${node}/${id}`);
    return Promise.resolve({ id, was: 'running', ended: { exitCode: 143, killed: false, durationMs: 1 } });
  };
  const run = {
    exp,
    status: exp.status,
    claimedNodes: () => ['vn1', 'vn2'],
    deps: { now: () => now, agents: { forNode: () => Promise.resolve({ cancelExec }) } },
    log: (text: string) => notes.push(text),
    event: () => Promise.resolve(),
  } as unknown as ExperimentRun;
  return { run, cancels, notes };
}

describe('endOverrun', () => {
  const step = { name: 'spin', run: { command: ['sleep', '1d'] } } as Step;
  const sleeping = (tasks: TaskRegistry) =>
    tasks.start(
      'uid/spin',
      (ctx) =>
        new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted')))),
      () => undefined,
    );

  it('before the deadline: leaves the task and its commands alone', async () => {
    const task = sleeping(new TaskRegistry(() => 0));
    const { run, cancels } = runAt(999);
    await endOverrun(run, task, step, 1000);
    expect(task.outcome()).toBeUndefined();
    expect(cancels).toEqual([]);
  });

  it('at the deadline: fails the step as timed out and cancels its command on the nodes without a result', async () => {
    const task = sleeping(new TaskRegistry(() => 0));
    const { run, cancels, notes } = runAt(1000);
    await endOverrun(run, task, step, 1000);
    expect(task.outcome()?.message).toMatch(/spin/);
    expect(cancels).toEqual(['vn2/c-1']);
    expect(notes).toEqual([
      'step spin: command c-1 on vn2 cancelled: it was running; ended by TERM (exit 143)',
    ]);
  });
});
