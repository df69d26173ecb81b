import type { ExperimentSpec, ExperimentStatus } from '../../../api/v1alpha1/index.js';
import {
  currentStep,
  nextPhase,
  outcomeOf,
  overallTimedOut,
  toAcquiring,
  toBooting,
  toReleased,
  toReleasing,
  toRunning,
  withStep,
  type Clock,
} from './state.js';

const clock: Clock = { generation: 3, now: new Date('2026-01-01T10:00:00.700Z') };
const spec = {
  nodes: { names: ['vn1'] },
  image: 'img',
  boot: { timeout: '5m', retries: 2 },
  steps: [
    { name: 'uname', run: { command: ['uname'], expectExitCode: 0, timeout: '5m' } },
    { name: 'settle', wait: { duration: '5s' } },
  ],
  timeout: '1h',
  keep: { logs: true },
} as ExperimentSpec;
const byType = (s: ExperimentStatus): Record<string, string> =>
  Object.fromEntries(
    (s.conditions ?? []).map((c) => [c.type, `${c.status}/${c.reason}/${c.observedGeneration}`]),
  );

describe('nextPhase', () => {
  it('walks the happy path', () => {
    expect(nextPhase('Pending', 'start')).toBe('Acquiring');
    expect(nextPhase('Acquiring', 'claimed')).toBe('Booting');
    expect(nextPhase('Booting', 'nodesReady')).toBe('Running');
    expect(nextPhase('Running', 'stepsDone')).toBe('Releasing');
    expect(nextPhase('Releasing', 'released', 'Succeeded')).toBe('Succeeded');
  });

  it('fails into Releasing from any active phase, and ends Failed', () => {
    for (const phase of ['Acquiring', 'Booting', 'Running'] as const)
      expect(nextPhase(phase, 'failed')).toBe('Releasing');
    expect(nextPhase('Releasing', 'released', 'Failed')).toBe('Failed');
  });

  it('refuses events that do not apply', () => {
    expect(nextPhase('Pending', 'nodesReady')).toBeUndefined();
    expect(nextPhase('Succeeded', 'start')).toBeUndefined();
  });
});

describe('status transitions', () => {
  it('Acquiring waits with a message and NodesClaimed False', () => {
    const s = toAcquiring({}, 'waiting for vn1 (claimed by lab/other)', clock);
    expect(s).toMatchObject({
      phase: 'Acquiring',
      message: 'waiting for vn1 (claimed by lab/other)',
      observedGeneration: 3,
    });
    expect(byType(s)).toEqual({
      NodesClaimed: 'False/Waiting/3',
      Ready: 'False/Progressing/3',
      Reconciling: 'True/Acquiring/3',
      Stalled: 'False/Idle/3',
    });
  });

  it('Booting records the claim, the start time and the nodes', () => {
    const s = toBooting({}, ['vn1', 'vn2'], 'lab/img', clock);
    expect(s).toMatchObject({
      phase: 'Booting',
      startTime: '2026-01-01T10:00:00Z',
      nodes: [
        { name: 'vn1', phase: 'Claimed' },
        { name: 'vn2', phase: 'Claimed' },
      ],
    });
    expect(byType(s)).toEqual({
      NodesClaimed: 'True/Claimed/3',
      NodesReady: 'False/Booting/3',
      Released: 'False/Holding/3',
      Ready: 'False/Progressing/3',
      Reconciling: 'True/Booting/3',
      Stalled: 'False/Idle/3',
    });
  });

  it('Running lists every step as Pending', () => {
    const s = toRunning({}, spec, clock);
    expect(s.steps).toEqual([
      { name: 'uname', phase: 'Pending' },
      { name: 'settle', phase: 'Pending' },
    ]);
    expect(byType(s).NodesReady).toBe('True/Ready/3');
  });

  it('Releasing records the outcome in Completed; released, the phase becomes it', () => {
    const running = withStep(toRunning({}, spec, clock), 'uname', { phase: 'Running' });
    const releasing = toReleasing(running, 'Failed', 'timed out', clock);
    expect(releasing.phase).toBe('Releasing');
    expect(releasing.completionTime).toBe('2026-01-01T10:00:00Z');
    expect(releasing.steps?.map((s) => s.phase)).toEqual(['Failed', 'Skipped']);
    expect(outcomeOf(releasing)).toBe('Failed');
    const released = toReleased({ ...releasing, nodes: [{ name: 'vn1', phase: 'Ready' }] }, ['vn1'], clock);
    expect(released.phase).toBe('Failed');
    expect(released.nodes).toEqual([{ name: 'vn1', phase: 'Released' }]);
    expect(byType(released).Released).toBe('True/Released/3');
    // What GitOps tools read: a failed run is Stalled (it never runs again), not Ready, not Reconciling
    expect(byType(releasing)).toMatchObject({ Reconciling: 'True/Releasing/3', Stalled: 'False/Idle/3' });
    expect(byType(released)).toMatchObject({
      Ready: 'False/Failed/3',
      Reconciling: 'False/Idle/3',
      Stalled: 'True/Failed/3',
    });
    const succeeded = toReleased(toReleasing(running, 'Succeeded', 'all steps done', clock), ['vn1'], clock);
    expect(byType(succeeded)).toMatchObject({
      Ready: 'True/Succeeded/3',
      Reconciling: 'False/Idle/3',
      Stalled: 'False/Idle/3',
    });
    expect(succeeded.conditions?.find((c) => c.type === 'Ready')?.message).toBe('all steps done');
    expect(outcomeOf(toReleasing({}, 'Succeeded', 'ok', clock))).toBe('Succeeded');
  });
});

describe('currentStep', () => {
  it('is the first step not yet Succeeded, then done', () => {
    const s = toRunning({}, spec, clock);
    expect(currentStep(spec, s)).toMatchObject({ kind: 'step', index: 0 });
    const after = withStep(s, 'uname', { phase: 'Succeeded' });
    expect(currentStep(spec, after)).toMatchObject({ kind: 'step', index: 1 });
    expect(currentStep(spec, withStep(after, 'settle', { phase: 'Succeeded' }))).toEqual({ kind: 'done' });
  });

  it('reports a failed step with its reason', () => {
    const s = withStep(toRunning({}, spec, clock), 'uname', {
      phase: 'Failed',
      results: [{ node: 'vn1', exitCode: 3, message: 'exit code 3, expected 0' }],
    });
    expect(currentStep(spec, s)).toEqual({
      kind: 'failed',
      step: 'uname',
      message: 'run step uname failed: exit code 3, expected 0',
    });
  });
});

describe('overallTimedOut', () => {
  it('counts from startTime', () => {
    const start = { startTime: '2026-01-01T10:00:00Z' };
    expect(overallTimedOut(start, 60_000, Date.parse('2026-01-01T10:00:59Z'))).toBe(false);
    expect(overallTimedOut(start, 60_000, Date.parse('2026-01-01T10:01:00Z'))).toBe(true);
    expect(overallTimedOut({}, 1, Date.now())).toBe(false);
  });
});
