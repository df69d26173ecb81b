import type { WaltNode } from '../../../api/v1alpha1/index.js';
import { planClaims } from './claims.js';

const me = { namespace: 'lab', name: 'exp' };
const node = (
  name: string,
  claimedBy?: { namespace: string; name: string },
  labels?: Record<string, string>,
): WaltNode =>
  ({
    metadata: { name, ...(labels ? { labels } : {}) },
    spec: { mac: '52:54:00:00:00:01', model: 'pc-x86-64', segment: 'lab', image: 'default' },
    ...(claimedBy ? { status: { claimedBy } } : {}),
  }) as WaltNode;

describe('planClaims by names', () => {
  it('claims every free node of the list', () => {
    expect(planClaims({ names: ['vn2', 'vn1'] }, [node('vn1'), node('vn2'), node('vn3')], me)).toEqual({
      kind: 'claim',
      nodes: ['vn2', 'vn1'],
      toClaim: ['vn2', 'vn1'],
      release: [],
    });
  });

  it('keeps the nodes it already holds', () => {
    const plan = planClaims({ names: ['vn1', 'vn2'] }, [node('vn1', me), node('vn2')], me);
    expect(plan).toMatchObject({ kind: 'claim', toClaim: ['vn2'] });
  });

  it('waits (all or nothing) when one node is taken, naming who holds it, and lets go of its own', () => {
    const plan = planClaims(
      { names: ['vn1', 'vn2'] },
      [node('vn1', me), node('vn2', { namespace: 'lab', name: 'other' })],
      me,
    );
    expect(plan).toEqual({
      kind: 'wait',
      message: 'waiting for vn2 (claimed by lab/other)',
      release: ['vn1'],
    });
  });

  it('waits for nodes that do not exist', () => {
    expect(planClaims({ names: ['vn9'] }, [], me)).toMatchObject({
      kind: 'wait',
      message: 'waiting for vn9 (no such WaltNode)',
    });
  });

  it('does not claim a node being deleted', () => {
    const deleting = { ...node('vn1'), metadata: { name: 'vn1', deletionTimestamp: new Date() } } as WaltNode;
    expect(planClaims({ names: ['vn1'] }, [deleting], me)).toMatchObject({ kind: 'wait' });
  });
});

describe('planClaims by selector', () => {
  const lab = { lab: 'a' };
  it('picks free matching nodes by name, its own first', () => {
    const nodes = [
      node('vn3', undefined, lab),
      node('vn1', undefined, lab),
      node('vn2', me, lab),
      node('x', undefined),
    ];
    expect(planClaims({ selector: { matchLabels: lab }, count: 2 }, nodes, me)).toEqual({
      kind: 'claim',
      nodes: ['vn1', 'vn2'],
      toClaim: ['vn1'],
      release: [],
    });
  });

  it('defaults to one node, and releases extra nodes it holds', () => {
    const nodes = [node('vn1', undefined, lab), node('vn2', me, lab), node('vn3', me, lab)];
    expect(planClaims({ selector: { matchLabels: lab } }, nodes, me)).toMatchObject({
      nodes: ['vn2'],
      toClaim: [],
      release: ['vn3'],
    });
  });

  it('waits when too few are free', () => {
    const nodes = [node('vn1', { namespace: 'x', name: 'y' }, lab), node('vn2', me, lab)];
    expect(planClaims({ selector: { matchLabels: lab }, count: 2 }, nodes, me)).toEqual({
      kind: 'wait',
      message: 'waiting for 2 free nodes matching lab=a (2 match, 1 available)',
      release: ['vn2'],
    });
  });
});
