import type { Experiment } from '../../../api/v1alpha1/index.js';
import { commandsToCancel, describeCancel } from './cancel.js';
import type { ExperimentRun } from './reconcile-context.js';

/** Just what commandsToCancel reads of a run. */
function runOf(exp: Pick<Experiment, 'spec' | 'status'>): ExperimentRun {
  return {
    exp,
    status: exp.status ?? {},
    claimedNodes: () => (exp.status?.nodes ?? []).map((n) => n.name),
  } as unknown as ExperimentRun;
}

describe('commandsToCancel', () => {
  it('names each target node without a result of the run steps still Running, by their id', () => {
    const run = runOf({
      spec: {
        nodes: { names: ['vn1', 'vn2'] },
        image: 'img',
        steps: [
          { name: 'done', run: { command: ['true'] } },
          { name: 'going', run: { command: ['sleep', '60'] } },
          { name: 'mine', run: { command: ['true'], nodes: ['vn2'] } },
          { name: 'wait', wait: { duration: '1s' } },
        ],
      } as unknown as Experiment['spec'],
      status: {
        nodes: [{ name: 'vn1' }, { name: 'vn2' }],
        steps: [
          { name: 'done', phase: 'Succeeded', commandId: 'a-1' },
          { name: 'going', phase: 'Running', commandId: 'a-2', results: [{ node: 'vn1', exitCode: 0 }] },
          { name: 'mine', phase: 'Running', commandId: 'a-3' },
          { name: 'wait', phase: 'Running' },
        ],
      },
    });
    expect(commandsToCancel(run)).toEqual([
      { step: 'going', node: 'vn2', id: 'a-2' },
      { step: 'mine', node: 'vn2', id: 'a-3' },
    ]);
  });

  it('has nothing to cancel for a run step Running without an id (written by an older operator)', () => {
    const run = runOf({
      spec: { steps: [{ name: 's', run: { command: ['true'] } }] } as unknown as Experiment['spec'],
      status: { nodes: [{ name: 'vn1' }], steps: [{ name: 's', phase: 'Running' }] },
    });
    expect(commandsToCancel(run)).toEqual([]);
  });
});

describe('describeCancel', () => {
  it('says how the node ended a running command, or that it did not confirm', () => {
    expect(describeCancel({ id: 'a', was: 'pending' })).toBe('it was pending');
    expect(
      describeCancel({ id: 'a', was: 'running', ended: { exitCode: 143, killed: false, durationMs: 9 } }),
    ).toBe('it was running; ended by TERM (exit 143)');
    expect(
      describeCancel({ id: 'a', was: 'running', ended: { exitCode: 137, killed: true, durationMs: 9 } }),
    ).toBe('it was running; ended by KILL, after it outlived TERM (exit 137)');
    expect(describeCancel({ id: 'a', was: 'running' })).toMatch(/did not confirm/);
  });
});
