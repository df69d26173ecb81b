import type { Experiment, WaltImage, WaltNode } from '../../../api/v1alpha1/index.js';
import { silentLogger } from '../../../common/logger.js';
import type { ReconcileContext } from '../../../runtime/index.js';
import { advanceBoots } from './boot-requests.js';
import { ExperimentRun, type ControllerDeps } from './reconcile-context.js';
import type { RecordSources } from './records.js';

const DIGEST = `sha256:${'c'.repeat(64)}`;
const REQUESTED = Date.parse('2026-12-05T10:00:00Z');

const node = {
  metadata: { name: 'vn1' },
  spec: {
    model: 'pc-x86-64',
    segment: 'lab',
    settings: { netsetup: 'LAN', bootTimeout: 180, bootRetries: 9, kexecAllow: true, mountPersist: true },
  },
  status: {
    conditions: [{ type: 'Ready', status: 'True', reason: 'Booted', message: '', lastTransitionTime: '' }],
    bootedImage: { name: 'lab/base', digest: DIGEST },
    lastBootup: '2026-12-05T10:00:05Z',
    claimedBy: { namespace: 'lab', name: 'exp1', bootRequestedAt: '2026-12-05T10:00:00Z' },
  },
} as unknown as WaltNode;

/** A run whose node vn1 booted the experiment's image after the request, with record sources `records`. */
function runWith(records: RecordSources): ExperimentRun {
  const exp = {
    metadata: { name: 'exp1', namespace: 'lab', generation: 1 },
    spec: { image: 'base', boot: { timeout: '5m', retries: 2 } },
    status: { phase: 'Booting', nodes: [{ name: 'vn1', phase: 'Booting', bootAttempts: 1 }] },
  } as unknown as Experiment;
  const ctx = { current: () => exp, logger: silentLogger() } as unknown as ReconcileContext<Experiment>;
  const deps = {
    node: (name: string) => (name === 'vn1' ? node : undefined),
    requested: new Map([['vn1', REQUESTED]]),
    now: () => REQUESTED + 10_000,
    records,
    version: '1.2.3',
  } as unknown as ControllerDeps;
  return new ExperimentRun(ctx, deps);
}

describe('advanceBoots: the record of a node that turns Ready', () => {
  it('records the digest served, the reference, model, settings and versions', async () => {
    const run = runWith({
      image: () => Promise.resolve({ spec: { ref: 'registry.lab:5000/walt/base:v1' } } as WaltImage),
      agentVersion: (segment) => Promise.resolve(segment === 'lab' ? '1.2.0' : undefined),
    });
    const progress = await advanceBoots(run, run.status, ['vn1']);
    expect(progress.ready).toBe(true);
    expect(progress.status.operatorVersion).toBe('1.2.3');
    expect(progress.status.nodes?.[0]).toMatchObject({
      name: 'vn1',
      phase: 'Ready',
      image: { name: 'lab/base', ref: 'registry.lab:5000/walt/base:v1', digest: DIGEST },
      model: 'pc-x86-64',
      settings: { netsetup: 'LAN', bootRetries: 9 },
      agentVersion: '1.2.0',
    });
  });

  it('still marks the node Ready, with its digest, when the sources cannot be read', async () => {
    const run = runWith({
      image: () => Promise.reject(new Error('forbidden')),
      agentVersion: () => Promise.reject(new Error('apiserver down')),
    });
    const progress = await advanceBoots(run, run.status, ['vn1']);
    expect(progress.ready).toBe(true);
    const record = progress.status.nodes?.[0];
    expect(record?.image).toEqual({ name: 'lab/base', digest: DIGEST });
    expect(record?.agentVersion).toBeUndefined();
  });
});
