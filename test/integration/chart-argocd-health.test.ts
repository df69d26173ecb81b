// The Argo CD health checks shipped with the chart (charts/walt/health/*.lua, embedded in
// charts/walt/docs/argocd-health.md) run under a real Lua 5.1 on objects that went through the real
// apiserver: each case creates an object, writes its status through the status subresource (so the
// status is one the schema accepts), reads it back and asks the check.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { parse } from 'yaml';
import { RESOURCES } from '../../api/v1alpha1/index.js';
import { argoHealth, LUA, type Health } from '../support/argocd-health.js';
import { randomMac } from '../support/netns.js';
import { requireTool } from '../support/require-tool.js';
import { kubeConfig, testNamespace, uniqueName } from './support/cluster.js';

type Kind = 'WaltSegment' | 'WaltImage' | 'WaltNode' | 'Experiment';
type Status = Record<string, unknown>;
type Obj = { kind: Kind; metadata: { name: string; namespace?: string; generation: number }; spec: object };

const examples = path.resolve(import.meta.dirname, '..', '..', 'examples');
const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const NOW = '2026-12-01T10:00:00Z';
const RESOURCE = {
  WaltSegment: 'segment',
  WaltImage: 'image',
  WaltNode: 'node',
  Experiment: 'experiment',
} as const;

const cond = (type: string, status: string, extra: Status = {}): Status => ({
  type,
  status,
  reason: `${type}${status}`,
  message: `${type} is ${status}`,
  lastTransitionTime: NOW,
  ...extra,
});

/** A case: the status (given the object's generation; undefined: none) and the health it shows. */
interface Case {
  name: string;
  status: ((generation: number) => Status) | undefined;
  health: Health['status'];
  message: string;
}
type Row = [string, ((generation: number) => Status) | undefined, Health['status'], string?];
const cases = (rows: Row[]): Case[] =>
  rows.map(([name, status, health, message]) => ({ name, status, health, message: message ?? '' }));

const generic = cases([
  ['no status yet', undefined, 'Progressing', 'Waiting for the operator'],
  [
    'Ready=True',
    (g) => ({ observedGeneration: g, conditions: [cond('Ready', 'True')] }),
    'Healthy',
    'Ready is True',
  ],
  [
    'Ready=False',
    (g) => ({ observedGeneration: g, conditions: [cond('Ready', 'False')] }),
    'Degraded',
    'Ready is False',
  ],
  [
    'Ready=Unknown',
    (g) => ({ observedGeneration: g, conditions: [cond('Ready', 'Unknown')] }),
    'Progressing',
  ],
  [
    'no Ready condition',
    (g) => ({ observedGeneration: g, conditions: [] }),
    'Progressing',
    'Ready condition',
  ],
  [
    'Ready=True for an older generation (status)',
    (g) => ({ observedGeneration: g - 1, conditions: [cond('Ready', 'True')] }),
    'Progressing',
    'observe generation',
  ],
  [
    'Ready=True for an older generation (condition)',
    (g) => ({ observedGeneration: g, conditions: [cond('Ready', 'True', { observedGeneration: g - 1 })] }),
    'Progressing',
    'Ready describes generation',
  ],
  [
    'Stalled=True beside Ready=True',
    (g) => ({ observedGeneration: g, conditions: [cond('Ready', 'True'), cond('Stalled', 'True')] }),
    'Degraded',
    'Stalled is True',
  ],
  [
    'Reconciling=True beside Ready=True',
    (g) => ({ observedGeneration: g, conditions: [cond('Ready', 'True'), cond('Reconciling', 'True')] }),
    'Progressing',
    'Reconciling is True',
  ],
  [
    'Stalled=False and Reconciling=False beside Ready=True',
    (g) => ({
      observedGeneration: g,
      conditions: [cond('Ready', 'True'), cond('Stalled', 'False'), cond('Reconciling', 'False')],
    }),
    'Healthy',
  ],
]);

const node = cases([
  ['never booted', undefined, 'Progressing', 'first bootup'],
  [
    'booted (phase Ready)',
    (g) => ({ phase: 'Ready', conditions: [cond('Ready', 'True', { observedGeneration: g })] }),
    'Healthy',
  ],
  [
    'rebooting into a new image',
    () => ({ phase: 'Booting', message: 'rebooting into x', conditions: [cond('Ready', 'True')] }),
    'Progressing',
    'Booting: rebooting into x',
  ],
  ['pending', () => ({ phase: 'Pending' }), 'Progressing', 'Pending'],
  [
    'down',
    () => ({ phase: 'Down', conditions: [cond('Ready', 'False', { message: 'node is down' })] }),
    'Degraded',
    'Down: node is down',
  ],
  ['failed', () => ({ phase: 'Failed', message: 'no image' }), 'Degraded', 'Failed: no image'],
  ['Ready=False without a phase', () => ({ conditions: [cond('Ready', 'False')] }), 'Degraded'],
  [
    'stalled',
    (g) => ({
      observedGeneration: g,
      phase: 'Ready',
      conditions: [cond('Ready', 'True'), cond('Stalled', 'True')],
    }),
    'Degraded',
  ],
  [
    'an older generation',
    (g) => ({ observedGeneration: g - 1, phase: 'Ready', conditions: [cond('Ready', 'True')] }),
    'Progressing',
  ],
]);

const experiment = cases([
  ['no status yet', undefined, 'Progressing', 'start the experiment'],
  ['Pending', (g) => ({ observedGeneration: g, phase: 'Pending' }), 'Progressing', 'Pending'],
  [
    'Acquiring (nodes held by others)',
    (g) => ({ observedGeneration: g, phase: 'Acquiring', message: 'waiting for vn1' }),
    'Suspended',
    'Acquiring: waiting for vn1',
  ],
  ['Booting', (g) => ({ observedGeneration: g, phase: 'Booting' }), 'Progressing'],
  [
    'Running',
    (g) => ({ observedGeneration: g, phase: 'Running', message: 'running step uname' }),
    'Progressing',
    'running step uname',
  ],
  ['Releasing', (g) => ({ observedGeneration: g, phase: 'Releasing' }), 'Progressing'],
  [
    'Succeeded',
    (g) => ({ observedGeneration: g, phase: 'Succeeded', message: 'all steps succeeded' }),
    'Healthy',
    'Succeeded: all steps succeeded',
  ],
  [
    'Failed',
    (g) => ({ observedGeneration: g, phase: 'Failed', message: 'step uname exited 1' }),
    'Degraded',
    'Failed: step uname exited 1',
  ],
  [
    'Stalled while Running',
    (g) => ({ observedGeneration: g, phase: 'Running', conditions: [cond('Stalled', 'True')] }),
    'Degraded',
    'Stalled is True',
  ],
  [
    'Succeeded for an older generation',
    (g) => ({ observedGeneration: g - 1, phase: 'Succeeded' }),
    'Progressing',
    'observe generation',
  ],
]);

describe('Argo CD health checks (charts/walt/health) under Lua 5.1', () => {
  const api = kubeConfig().makeApiClient(k8s.CustomObjectsApi);
  const created: Array<{ kind: Kind; name: string }> = [];
  let ns: Awaited<ReturnType<typeof testNamespace>>;

  beforeAll(async () => {
    requireTool(LUA);
    ns = await testNamespace('argo-health');
  });
  afterAll(async () => {
    for (const { kind, name } of created.filter((c) => c.kind === 'WaltSegment' || c.kind === 'WaltNode')) {
      await api.deleteClusterCustomObject({ ...RESOURCES[RESOURCE[kind]], name }).catch(() => undefined);
    }
    await ns.remove();
  });

  /** A new object of `kind` from its example, with a spec edit (generation 2) and then `status` written. */
  async function objectWith(kind: Kind, status: ((generation: number) => Status) | undefined): Promise<Obj> {
    const file = { WaltSegment: 'segment', WaltImage: 'image', WaltNode: 'vnode', Experiment: 'experiment' }[
      kind
    ];
    const body = parse(await readFile(path.join(examples, `${file}.yaml`), 'utf8')) as Obj & {
      spec: Record<string, unknown>;
    };
    body.metadata = { ...body.metadata, name: uniqueName(kind.toLowerCase()) };
    if (kind === 'WaltNode')
      body.spec = { ...body.spec, mac: randomMac('52:54:00'), segment: uniqueName('absent') };
    // Nodes nobody has: no operator of another suite could act on this experiment.
    if (kind === 'Experiment') body.spec = { ...body.spec, nodes: { names: [uniqueName('absent')] } };
    const resource = RESOURCES[RESOURCE[kind]];
    const cluster = kind === 'WaltSegment' || kind === 'WaltNode';
    const name = body.metadata.name;
    created.push({ kind, name });
    const read = async (): Promise<Obj> =>
      (cluster
        ? api.getClusterCustomObject({ ...resource, name })
        : api.getNamespacedCustomObject({ ...resource, namespace: ns.name, name })) as Promise<Obj>;
    const patch = async (patchBody: object, status: boolean): Promise<unknown> => {
      if (cluster) {
        const request = { ...resource, name, body: patchBody };
        return status
          ? api.patchClusterCustomObjectStatus(request, merge)
          : api.patchClusterCustomObject(request, merge);
      }
      const request = { ...resource, namespace: ns.name, name, body: patchBody };
      return status
        ? api.patchNamespacedCustomObjectStatus(request, merge)
        : api.patchNamespacedCustomObject(request, merge);
    };
    if (cluster) await api.createClusterCustomObject({ ...resource, body });
    else await api.createNamespacedCustomObject({ ...resource, namespace: ns.name, body });
    // A spec edit, so that generation 2 has an older generation (1) to be stale against.
    const edit = {
      WaltSegment: { spec: { autoRegister: false } },
      WaltImage: { spec: { recheck: { policy: 'Periodic', interval: '12h' } } },
      WaltNode: { spec: { settings: { bootTimeout: 301 } } },
      Experiment: { spec: { timeout: '31m' } },
    }[kind];
    await patch(edit, false);
    const generation = (await read()).metadata.generation;
    expect(generation).toBe(2);
    if (status) await patch({ status: status(generation) }, true);
    return read();
  }

  const table: Array<[Kind, Case[]]> = [
    ['WaltSegment', generic],
    ['WaltImage', generic],
    ['WaltNode', node],
    ['Experiment', experiment],
  ];
  describe.each(table)('%s', (kind, rows) => {
    it.each(rows)('$name → $health', async ({ status, health, message }) => {
      const object = await objectWith(kind, status);
      const shown = await argoHealth(object);
      expect(shown.status).toBe(health);
      expect(shown.message).toContain(message);
    });
  });
});
