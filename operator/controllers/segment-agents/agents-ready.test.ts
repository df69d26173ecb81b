import type * as k8s from '@kubernetes/client-node';
import { agentsReady } from './agents-ready.js';

const ds = (generation: number, status: Partial<k8s.V1DaemonSetStatus>): k8s.V1DaemonSet => ({
  metadata: { generation },
  status: {
    currentNumberScheduled: 0,
    desiredNumberScheduled: 0,
    numberMisscheduled: 0,
    numberReady: 0,
    ...status,
  },
});

describe('agentsReady', () => {
  it.each([
    ['no DaemonSet', undefined, 'Unknown', 'Rolling'],
    [
      'a spec not observed yet',
      ds(2, { observedGeneration: 1, desiredNumberScheduled: 1, numberReady: 1 }),
      'Unknown',
      'Rolling',
    ],
    ['no node attached', ds(1, { observedGeneration: 1 }), 'False', 'NoNodes'],
    [
      'a pod still old',
      ds(2, { observedGeneration: 2, desiredNumberScheduled: 2, numberReady: 1, updatedNumberScheduled: 1 }),
      'False',
      'Rolling',
    ],
    [
      'all new, no leader ready',
      ds(2, { observedGeneration: 2, desiredNumberScheduled: 2, updatedNumberScheduled: 2 }),
      'False',
      'NoLeader',
    ],
    [
      'all new, the leader ready',
      ds(2, { observedGeneration: 2, desiredNumberScheduled: 3, numberReady: 1, updatedNumberScheduled: 3 }),
      'True',
      'LeaderServing',
    ],
  ])('%s → %s (%s)', (_what, daemonSet, status, reason) => {
    expect(agentsReady('lab', daemonSet)).toMatchObject({ type: 'AgentsReady', status, reason });
  });

  it('says how to attach a node', () => {
    expect(agentsReady('lab', ds(1, { observedGeneration: 1 })).message).toContain(
      'segment.walt.dev/lab=true',
    );
  });
});
