import type { BootDecision, BootTarget } from '../netboot/gate.js';
import type { WaltNode } from '../../api/v1alpha1/index.js';
import { imagePseudoPath, planExports, type PlanNode } from './export-plan.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const OTHER = `sha256:${'b'.repeat(64)}`;

function target(manifestDigest: string, namespace = 'lab'): BootTarget {
  return {
    allow: true,
    node: {} as WaltNode,
    model: 'pc-x86-64',
    image: { namespace, name: 'debian', digest: `sha256:${'c'.repeat(64)}`, manifestDigest },
    rootfs: `/cache/rootfs/${manifestDigest.slice(7, 12)}`,
    bootDir: '/cache/rootfs/x/boot/pc-x86-64',
  };
}

const denied: BootDecision = { allow: false, reason: 'ImageNotReady', message: 'not yet' };

function node(name: string, decision: BootDecision, ip?: string, mountPersist = true): PlanNode {
  return { name, decision, ip, mountPersist };
}

function plan(nodes: PlanNode[]): ReturnType<typeof planExports> {
  const ids = new Map<string, number>();
  return planExports({
    subnet: '10.0.0.0/24',
    viewsDir: '/cache/nfs/views',
    persistDir: '/cache/nfs/persist',
    nodes,
    idOf: (dir) => ids.get(dir) ?? (ids.set(dir, ids.size + 1), ids.size),
  });
}

describe('planExports', () => {
  it('exports one view per image in use, read-only to the segment', () => {
    const result = plan([
      node('a', target(DIGEST), '10.0.0.5'),
      node('b', target(DIGEST), '10.0.0.6'),
      node('c', denied),
    ]);
    expect(result.views).toHaveLength(1);
    const ro = result.exports.filter((e) => e.access === 'RO');
    expect(ro).toEqual([
      expect.objectContaining({
        pseudo: imagePseudoPath(DIGEST),
        clients: ['10.0.0.0/24'],
        path: `/cache/nfs/views/${'a'.repeat(64)}`,
      }),
    ]);
  });

  it("exports /persist per node and owner, read-write to the node's address alone", () => {
    const result = plan([
      node('a', target(DIGEST, 'lab'), '10.0.0.5'),
      node('b', target(OTHER, 'walt-system'), '10.0.0.6'),
    ]);
    const rw = result.exports.filter((e) => e.access === 'RW');
    expect(rw).toEqual([
      expect.objectContaining({
        pseudo: '/persist/a',
        path: '/cache/nfs/persist/a/lab',
        clients: ['10.0.0.5'],
      }),
      expect.objectContaining({
        pseudo: '/persist/b',
        path: '/cache/nfs/persist/b/walt-system',
        clients: ['10.0.0.6'],
      }),
    ]);
    expect(result.views).toHaveLength(2);
  });

  it('exports no /persist to a node whose address is unknown or that does not mount it', () => {
    const result = plan([node('a', target(DIGEST)), node('b', target(DIGEST), '10.0.0.6', false)]);
    expect(result.exports.filter((e) => e.access === 'RW')).toEqual([]);
  });

  it('exports nothing for nodes that may not boot', () => {
    expect(plan([node('c', denied, '10.0.0.9')]).exports).toEqual([]);
  });

  it('gives every export a distinct id', () => {
    const result = plan([node('a', target(DIGEST), '10.0.0.5'), node('b', target(OTHER), '10.0.0.6')]);
    expect(new Set(result.exports.map((e) => e.id)).size).toBe(result.exports.length);
  });
});
