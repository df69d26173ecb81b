import { ownerReference, withOwner } from './apply.js';

const owner = {
  apiVersion: 'walt.dev/v1alpha1',
  kind: 'Experiment',
  metadata: { name: 'exp1', namespace: 'lab', uid: 'u-1' },
};

describe('owner references', () => {
  it('point at the owner as its controller, blocking its deletion until children are gone', () => {
    expect(ownerReference(owner)).toEqual({
      apiVersion: 'walt.dev/v1alpha1',
      kind: 'Experiment',
      name: 'exp1',
      uid: 'u-1',
      controller: true,
      blockOwnerDeletion: true,
    });
  });

  it('withOwner adds the reference once and keeps other owners', () => {
    // Given a child already owned by someone else and by the owner
    const child = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'c',
        ownerReferences: [
          { apiVersion: 'v1', kind: 'X', name: 'x', uid: 'other' },
          { apiVersion: 'v1', kind: 'Experiment', name: 'exp1', uid: 'u-1' },
        ],
      },
    };
    // When the owner is set
    const owned = withOwner(child, owner);
    // Then the other owner stays and ours appears once
    expect(owned.metadata.ownerReferences.map((r) => r.uid)).toEqual(['other', 'u-1']);
    expect(child.metadata.ownerReferences).toHaveLength(2);
  });

  it('refuses an owner without a uid (not read from the API)', () => {
    expect(() => ownerReference({ apiVersion: 'v1', kind: 'X', metadata: { name: 'x' } })).toThrow(TypeError);
  });
});
