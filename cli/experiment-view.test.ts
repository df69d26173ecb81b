import type { Experiment } from '../api/v1alpha1/index.js';
import { age, currentStep, experimentEvents } from './experiment-view.js';

function experiment(status: Experiment['status']): Experiment {
  return {
    apiVersion: 'walt.dev/v1alpha1',
    kind: 'Experiment',
    metadata: { name: 'exp1', namespace: 'lab' },
    spec: {
      nodes: { names: ['vn1'] },
      image: 'debian',
      steps: [
        { name: 'hello', run: { command: ['echo'] } },
        { name: 'pause', wait: { duration: '1s' } },
      ],
    } as unknown as Experiment['spec'],
    status,
  };
}

describe('experiment views', () => {
  it('prints phase changes and finished steps with their results, once', () => {
    const running = experiment({ phase: 'Running', steps: [{ name: 'hello', phase: 'Running' }] });
    const done = experiment({
      phase: 'Succeeded',
      steps: [
        { name: 'hello', phase: 'Succeeded', results: [{ node: 'vn1', exitCode: 0 }] },
        { name: 'pause', phase: 'Succeeded' },
      ],
    });
    expect(experimentEvents(undefined, running)).toEqual(['exp1: Running', 'step hello: Running']);
    expect(experimentEvents(running, done)).toEqual([
      'exp1: Succeeded',
      'step hello: Succeeded',
      '  vn1: exit 0',
      'step pause: Succeeded',
    ]);
    expect(experimentEvents(done, done)).toEqual([]);
  });

  it('says how many results status left out and which stream holds the whole output', () => {
    const before = experiment({ phase: 'Running', steps: [{ name: 'big', phase: 'Running' }] });
    const after = experiment({
      phase: 'Running',
      steps: [
        {
          name: 'big',
          phase: 'Failed',
          results: [{ node: 'vn7', exitCode: 1, message: 'exit code 1, expected 0' }],
          resultsOmitted: 199,
          outputStream: 'experiment.lab.exp1.big',
        },
      ],
    });
    expect(experimentEvents(before, after)).toEqual([
      'step big: Failed',
      '  vn7: exit 1 (exit code 1, expected 0)',
      '  (199 more nodes not kept in status; whole output: walt log show --streams experiment.lab.exp1.big)',
    ]);
  });

  it('shows the current step and the age like kubectl', () => {
    expect(
      currentStep(
        experiment({
          steps: [
            { name: 'hello', phase: 'Succeeded' },
            { name: 'pause', phase: 'Running' },
          ],
        }),
      ),
    ).toBe('pause (2/2)');
    expect(currentStep(experiment({}))).toBe('0/2');
    const now = new Date('2026-01-01T12:00:00Z');
    expect(age('2026-01-01T11:59:15Z', now)).toBe('45s');
    expect(age('2026-01-01T11:00:00Z', now)).toBe('60m');
    expect(age('2025-12-29T12:00:00Z', now)).toBe('3d');
  });
});
