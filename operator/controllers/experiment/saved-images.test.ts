import type { AgentOperations, SaveNodeRequest, SaveNodeResult } from '../../../api/agent/v1.js';
import type { Experiment, WaltImage } from '../../../api/v1alpha1/index.js';
import type { ReconcileContext } from '../../../runtime/index.js';
import { agentResolver } from './agent-of-node.js';
import { ExperimentRun, type ControllerDeps } from './reconcile-context.js';
import { saveNodes, savePlan, savedImageName, type SavedImageStore } from './saved-images.js';

const SOURCE: WaltImage = {
  apiVersion: 'walt.dev/v1alpha1',
  kind: 'WaltImage',
  metadata: { name: 'base', namespace: 'lab' },
  spec: {
    ref: 'registry.lab:5000/walt/base:v1',
    insecureRegistry: true,
    models: ['pc-x86-64'],
    recheck: { policy: 'Periodic', interval: '1h' },
  },
};

function experiment(nodes: Array<[string, string]>, savedImage = 'after'): Experiment {
  return {
    apiVersion: 'walt.dev/v1alpha1',
    kind: 'Experiment',
    metadata: { name: 'exp1', namespace: 'lab', uid: 'u1', generation: 1 },
    spec: {
      nodes: { names: nodes.map(([n]) => n) },
      image: 'base',
      steps: [],
      keep: { logs: true, savedImage },
    },
    status: { phase: 'Releasing', nodes: nodes.map(([name, phase]) => ({ name, phase })) },
  } as unknown as Experiment;
}

interface Harness {
  run: ExperimentRun;
  events: string[];
  images: WaltImage[];
  saves: Array<[string, SaveNodeRequest]>;
}

/** A run on a fake context and a fake agent whose saveNode answers `save` (or throws its error). */
function harness(
  exp: Experiment,
  save: ((node: string) => SaveNodeResult) | undefined,
  source: WaltImage | undefined = SOURCE,
  existing: WaltImage[] = [],
): Harness {
  let current = exp;
  const events: string[] = [];
  const images: WaltImage[] = [];
  const saves: Array<[string, SaveNodeRequest]> = [];
  const ctx = {
    logger: console,
    events: {
      normal: (reason: string, note: string) =>
        Promise.resolve(void events.push(`Normal ${reason}: ${note}`)),
      warning: (reason: string, note: string) =>
        Promise.resolve(void events.push(`Warning ${reason}: ${note}`)),
    },
    status: {
      apply: (status: Experiment['status']) => {
        current = { ...current, status };
        return Promise.resolve(current);
      },
    },
    current: () => current,
  } as unknown as ReconcileContext<Experiment>;
  const agent = {
    segment: 'lab',
    ...(save
      ? {
          saveNode: (node: string, request: SaveNodeRequest, signal?: AbortSignal) => {
            saves.push([node, request]);
            expect(signal).toBeInstanceOf(AbortSignal);
            return Promise.resolve().then(() => save(node));
          },
        }
      : {}),
  } as unknown as AgentOperations;
  const store: SavedImageStore = {
    image: (_ns, name) =>
      Promise.resolve(name === 'base' ? source : existing.find((i) => i.metadata.name === name)),
    put: (image) => Promise.resolve(void images.push(image)),
  };
  const deps = {
    agents: agentResolver(
      () => Promise.resolve(agent),
      () => 'lab',
    ),
    savedImages: store,
    now: () => Date.parse('2026-12-05T10:00:00Z'),
  } as unknown as ControllerDeps;
  return { run: new ExperimentRun(ctx, deps), events, images, saves };
}

const digestOf = (node: string): string =>
  `sha256:${node
    .padEnd(64, '0')
    .slice(0, 64)
    .replace(/[^0-9a-f]/g, 'a')}`;

describe('savedImageName', () => {
  it('is the name itself for one node, <name>-<node> for several', () => {
    expect(savedImageName('after', 'vn1', 1)).toBe('after');
    expect(savedImageName('after', 'vn1', 2)).toBe('after-vn1');
  });
});

describe('savePlan', () => {
  it('pushes to the repository of the experiment image, tagged with the saved name', () => {
    const plan = savePlan(experiment([['vn1', 'Ready']]), SOURCE, 'lab');
    expect(plan).toEqual([
      { node: 'vn1', image: 'after', ref: 'registry.lab:5000/walt/base:after', insecure: true },
    ]);
  });

  it('skips nodes already recorded and fails nodes that never booted', () => {
    const exp = experiment([
      ['vn1', 'Ready'],
      ['vn2', 'Booting'],
      ['vn3', 'Ready'],
    ]);
    exp.status!.savedImages = [{ node: 'vn1', image: 'after-vn1', digest: 'sha256:x' }];
    const plan = savePlan(exp, SOURCE, 'lab');
    expect(plan.map((p) => p.node)).toEqual(['vn2', 'vn3']);
    expect(plan[0]).toMatchObject({ image: 'after-vn2' });
    expect(plan[0] && 'failure' in plan[0] ? plan[0].failure : '').toContain('did not boot');
    expect(plan[1]).toMatchObject({ image: 'after-vn3', ref: 'registry.lab:5000/walt/base:after-vn3' });
  });

  it('fails every node when the experiment image is gone', () => {
    const plan = savePlan(experiment([['vn1', 'Ready']]), undefined, 'lab');
    expect(plan[0] && 'failure' in plan[0] ? plan[0].failure : '').toContain('WaltImage lab/base is gone');
  });
});

describe('saveNodes', () => {
  it('saves each node through its agent, creates a pinned WaltImage and records it', async () => {
    // Given an experiment that ran on two nodes
    const h = harness(
      experiment([
        ['vn1', 'Ready'],
        ['vn2', 'Ready'],
      ]),
      (node) => ({
        ref: `registry.lab:5000/walt/base:after-${node}`,
        digest: digestOf(node),
        layerBytes: 2048,
        changeBytes: 5000,
      }),
    );
    // When the run ends
    await saveNodes(h.run);
    // Then each node was saved to its own tag, with the source's registry settings
    expect(h.saves).toEqual([
      ['vn1', { ref: 'registry.lab:5000/walt/base:after-vn1', insecure: true }],
      ['vn2', { ref: 'registry.lab:5000/walt/base:after-vn2', insecure: true }],
    ]);
    // And a WaltImage pinned to each digest, labelled with the experiment and the node
    expect(h.images.map((i) => [i.metadata.name, i.spec.ref, i.metadata.labels])).toEqual([
      [
        'after-vn1',
        `registry.lab:5000/walt/base@${digestOf('vn1')}`,
        { 'walt.dev/saved-by-experiment': 'exp1', 'walt.dev/saved-node': 'vn1' },
      ],
      [
        'after-vn2',
        `registry.lab:5000/walt/base@${digestOf('vn2')}`,
        { 'walt.dev/saved-by-experiment': 'exp1', 'walt.dev/saved-node': 'vn2' },
      ],
    ]);
    expect(h.images[0]!.spec).toMatchObject({ insecureRegistry: true, models: ['pc-x86-64'] });
    expect(h.images[0]!.spec.recheck.policy).toBe('Never');
    // And the status records them, with ImageSaved True
    const status = h.run.status;
    expect(status.savedImages).toEqual([
      {
        node: 'vn1',
        image: 'after-vn1',
        ref: 'registry.lab:5000/walt/base:after-vn1',
        digest: digestOf('vn1'),
        layerBytes: 2048,
        changeBytes: 5000,
      },
      expect.objectContaining({ node: 'vn2', digest: digestOf('vn2') }),
    ]);
    expect(status.conditions?.find((c) => c.type === 'ImageSaved')).toMatchObject({
      status: 'True',
      reason: 'Saved',
    });
    // And running again saves nothing twice
    await saveNodes(h.run);
    expect(h.saves).toHaveLength(2);
  });

  it('records a failed save, warns, and goes on with the other nodes', async () => {
    // Given a node whose save fails
    const h = harness(
      experiment([
        ['vn1', 'Ready'],
        ['vn2', 'Ready'],
      ]),
      (node) => {
        if (node === 'vn1') throw new Error('registry refused the push: 401');
        return {
          ref: 'registry.lab:5000/walt/base:after-vn2',
          digest: digestOf(node),
          layerBytes: 1,
          changeBytes: 1,
        };
      },
    );
    await saveNodes(h.run);
    // Then vn1's entry says why, vn2 is saved, ImageSaved is False and a Warning names vn1
    expect(h.run.status.savedImages).toEqual([
      { node: 'vn1', image: 'after-vn1', message: 'registry refused the push: 401' },
      expect.objectContaining({ node: 'vn2', digest: digestOf('vn2') }),
    ]);
    expect(h.images.map((i) => i.metadata.name)).toEqual(['after-vn2']);
    expect(h.run.status.conditions?.find((c) => c.type === 'ImageSaved')).toMatchObject({
      status: 'False',
      reason: 'SaveFailed',
    });
    expect(h.events).toContain('Warning SaveFailed: vn1: registry refused the push: 401');
  });

  it('never replaces a WaltImage it did not save (WALT_ERR_EXPERIMENT_SAVE_NAME_TAKEN)', async () => {
    // Given a user's WaltImage named like the saved image, and one this experiment saved before
    const mine = { metadata: { name: 'after-vn2', labels: { 'walt.dev/saved-by-experiment': 'exp1' } } };
    const users = { metadata: { name: 'after-vn1' } };
    const h = harness(
      experiment([
        ['vn1', 'Ready'],
        ['vn2', 'Ready'],
      ]),
      (node) => ({ ref: `r/x:after-${node}`, digest: digestOf(node), layerBytes: 1, changeBytes: 1 }),
      SOURCE,
      [users, mine] as WaltImage[],
    );
    await saveNodes(h.run);
    // Then the user's image is left alone and that node not saved; this experiment's own is replaced
    expect(h.saves.map(([node]) => node)).toEqual(['vn2']);
    expect(h.images.map((i) => i.metadata.name)).toEqual(['after-vn2']);
    expect(h.run.status.savedImages?.[0]?.message).toMatch(/^WALT_ERR_EXPERIMENT_SAVE_NAME_TAKEN: /);
  });

  it('does nothing without keep.savedImage', async () => {
    const exp = experiment([['vn1', 'Ready']]);
    delete exp.spec.keep.savedImage;
    const h = harness(exp, () => {
      throw new Error('not called');
    });
    await saveNodes(h.run);
    expect(h.saves).toEqual([]);
    expect(h.run.status.savedImages).toBeUndefined();
  });
});
