import type { Experiment, WaltImage, WaltNode } from '../../api/v1alpha1/index.js';
import { codeOf } from '../../test/support/error-code.js';
import { drift, planRerun } from './experiment-rerun.js';

const OLD = `sha256:${'a'.repeat(64)}`;
const NEW = `sha256:${'b'.repeat(64)}`;

const source = {
  metadata: { name: 'base', namespace: 'lab' },
  spec: {
    ref: 'registry.lab:5000/walt/base:v1',
    insecureRegistry: true,
    models: ['pc-x86-64'],
    pullSecret: { name: 'creds' },
    recheck: { policy: 'Periodic', interval: '1m' },
  },
} as WaltImage;

function experiment(digests: Array<string | undefined>): Experiment {
  return {
    apiVersion: 'walt.dev/v1alpha1',
    kind: 'Experiment',
    metadata: { name: 'exp1', namespace: 'lab' },
    spec: {
      nodes: { selector: { matchLabels: { rack: 'a' } }, count: digests.length },
      image: 'base',
      steps: [{ name: 'hello', run: { command: ['true'], expectExitCode: 0, timeout: '5m' } }],
      keep: { logs: false, savedImage: 'after' },
    },
    status: {
      phase: 'Succeeded',
      nodes: digests.map((digest, i) => ({
        name: `vn${2 - i}`,
        phase: 'Released',
        model: 'pc-x86-64',
        settings: { netsetup: 'LAN', kexecAllow: true },
        image: { name: 'lab/base', ref: 'registry.lab:5000/walt/base:v1', ...(digest ? { digest } : {}) },
      })),
    },
  } as unknown as Experiment;
}

describe('planRerun', () => {
  it('pins the copy to the digest the nodes booted, on the same nodes by name', () => {
    // Given an experiment whose two nodes booted OLD (its image's tag has moved to NEW since)
    const plan = planRerun(experiment([OLD, OLD]), { ...source, status: { digest: NEW } }, 'again');
    // Then the copy boots a WaltImage of its own pinned to OLD, that never follows a tag
    expect(plan.ref).toBe(`registry.lab:5000/walt/base@${OLD}`);
    expect(plan.image.metadata).toEqual({
      name: 'again',
      namespace: 'lab',
      labels: { 'walt.dev/rerun-of': 'exp1', 'walt.dev/experiment': 'again' },
    });
    expect(plan.image.spec).toEqual({
      ref: `registry.lab:5000/walt/base@${OLD}`,
      insecureRegistry: true,
      recheck: { policy: 'Never', interval: '1h' },
      pullSecret: { name: 'creds' },
      models: ['pc-x86-64'],
    });
    // And claims the recorded nodes by name, with the same steps and without keep.savedImage
    expect(plan.experiment.metadata).toEqual({
      name: 'again',
      namespace: 'lab',
      labels: { 'walt.dev/rerun-of': 'exp1' },
    });
    expect(plan.experiment.spec.nodes).toEqual({ names: ['vn1', 'vn2'] });
    expect(plan.experiment.spec.image).toBe('again');
    expect(plan.experiment.spec.steps).toEqual(experiment([OLD]).spec.steps);
    expect(plan.experiment.spec.keep).toEqual({ logs: false });
  });

  it('uses the WaltImage reference when the record has none', () => {
    const exp = experiment([OLD]);
    delete exp.status!.nodes![0]!.image!.ref;
    expect(planRerun(exp, source, 'x').ref).toBe(`registry.lab:5000/walt/base@${OLD}`);
  });

  it('refuses without a digest for every node, or with two digests', () => {
    expect(codeOf(() => planRerun(experiment([]), source, 'x'))).toBe('WALT_ERR_CLI_RERUN_NOT_RECORDED');
    expect(codeOf(() => planRerun(experiment([OLD, undefined]), source, 'x'))).toBe(
      'WALT_ERR_CLI_RERUN_NOT_RECORDED',
    );
    expect(codeOf(() => planRerun(experiment([OLD, NEW]), source, 'x'))).toBe('WALT_ERR_CLI_RERUN_MIXED');
  });
});

describe('drift', () => {
  const record = experiment([OLD]).status!.nodes![0]!;
  const node = (model: string, netsetup: string): WaltNode =>
    ({ spec: { model, settings: { netsetup, kexecAllow: true } } }) as unknown as WaltNode;

  it('says nothing when the node is as recorded', () => {
    expect(drift(record, node('pc-x86-64', 'LAN'))).toEqual([]);
  });

  it('names each change of model or setting, and a node that is gone', () => {
    expect(drift(record, node('rpi-4-b', 'NAT'))).toEqual([
      'vn2: model rpi-4-b, was pc-x86-64',
      'vn2: settings.netsetup "NAT", was "LAN"',
    ]);
    expect(drift(record, undefined)).toEqual(['vn2: the WaltNode is gone']);
  });
});
