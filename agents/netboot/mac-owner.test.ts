import type { WaltNode } from '../../api/v1alpha1/index.js';
import { macOwner } from './mac-owner.js';

const node = (name: string, created?: string | Date): WaltNode =>
  ({
    metadata: { name, ...(created ? { creationTimestamp: created } : {}) },
    spec: { mac: '52:54:00:aa:00:01', model: 'pc-x86-64', segment: 'lab' },
  }) as WaltNode;

describe('macOwner', () => {
  it('gives a MAC to the oldest WaltNode holding it, in any order of arrival', () => {
    // Given three nodes with one MAC, the middle one created first
    const nodes = [
      node('vn-c', '2026-12-05T10:00:02Z'),
      node('vn-b', '2026-12-05T10:00:00Z'),
      node('vn-a', new Date('2026-12-05T10:00:01Z')),
    ];
    // Then the oldest wins whatever the order the cache lists them in
    expect(macOwner(nodes)?.metadata.name).toBe('vn-b');
    expect(macOwner([...nodes].reverse())?.metadata.name).toBe('vn-b');
  });

  it('breaks a tie of creation times by name, and counts a node without a time as the newest', () => {
    const t = '2026-12-05T10:00:00Z';
    expect(macOwner([node('vn2', t), node('vn1', t)])?.metadata.name).toBe('vn1');
    expect(macOwner([node('vn0'), node('vn9', t)])?.metadata.name).toBe('vn9');
  });

  it('has no owner without candidates', () => {
    expect(macOwner([])).toBeUndefined();
  });
});
