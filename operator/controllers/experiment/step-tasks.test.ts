import type { AgentOperations, CancelAnswer, ExecResult } from '../../../api/agent/v1.js';
import type { Experiment, WaltNode } from '../../../api/v1alpha1/index.js';
import { silentLogger } from '../../../common/logger.js';
import type { ReconcileContext } from '../../../runtime/index.js';
import { ExperimentRun, type ControllerDeps } from './reconcile-context.js';
import { endOverrun, taskStep } from './step-tasks.js';
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

describe('taskStep, a run step found Running after an operator restart', () => {
  it('says it re-attaches on the platform log of the node segment, even when the node cache syncs late', async () => {
    // Given a step Running with its command id, and a node cache that does not know the node yet
    const exp = {
      metadata: { name: 'e', namespace: 'ns', uid: 'u1' },
      spec: {
        nodes: { names: ['vn1'] },
        image: 'img',
        steps: [{ name: 'work', run: { command: ['true'] } }],
      },
      status: { nodes: [{ name: 'vn1' }], steps: [{ name: 'work', phase: 'Running', commandId: 'c-9' }] },
    } as unknown as Experiment;
    const cache = new Map<string, WaltNode>();
    const lines: string[] = [];
    const attaches: string[] = [];
    const agent = {
      attachExec: (node: string, id: string): Promise<ExecResult> => {
        attaches.push(`${node}/${id}`);
        return Promise.resolve({
          exitCode: 0,
          output: '',
          truncatedBytes: 0,
          timedOut: false,
          durationMs: 1,
        });
      },
    } as unknown as AgentOperations;
    let ended: () => void = () => undefined;
    const taskEnded = new Promise<void>((resolve) => (ended = resolve));
    const deps = {
      tasks: new TaskRegistry(() => 0),
      node: (name: string) => cache.get(name),
      now: () => 0,
      // The task asks for a reconcile when it ends.
      enqueue: () => ended(),
      agents: { forNode: () => Promise.resolve(agent), segmentOf: () => 'seg-a' },
      platformLog: (segments: readonly string[], line: string) =>
        lines.push(`${segments.join(',')}: ${line}`),
    } as unknown as ControllerDeps;
    const ctx = {
      current: () => exp,
      logger: silentLogger(),
      status: { apply: () => Promise.resolve() },
    } as unknown as ReconcileContext<Experiment>;
    const run = new ExperimentRun(ctx, deps);
    const step = exp.spec.steps[0]!;
    // When the new operator picks the step up, then the cache learns the node
    await taskStep(run, { kind: 'step', index: 0, step, status: exp.status!.steps![0]! });
    cache.set('vn1', { metadata: { name: 'vn1' }, spec: { segment: 'seg-a' } } as unknown as WaltNode);
    // Then the line goes to the agent of the node's segment (it was dropped: no segment known yet),
    // and the command is attached to by its id
    await taskEnded;
    expect(attaches).toEqual(['vn1/c-9']);
    expect(lines).toEqual(['seg-a: experiment ns/e: re-attaching to the commands of step work (id c-9)']);
  });
});
