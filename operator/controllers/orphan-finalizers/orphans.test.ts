import { IMAGE_FINALIZER_PREFIX, VNODE_FINALIZER_PREFIX } from '../../../api/agent/finalizers.js';
import { orphanFinalizers } from './orphans.js';

const deleting = (finalizers: string[]) => ({
  metadata: { name: 'debian', deletionTimestamp: new Date('2024-01-01T00:00:00Z'), finalizers },
});
const live = new Set(['lab', 'annex']);
const exists = (segment: string): boolean => live.has(segment);

describe('orphanFinalizers', () => {
  it('names the finalizers of segments that are gone', () => {
    const image = deleting(['segment.walt.dev/lab', 'segment.walt.dev/old', 'segment.walt.dev/gone.b']);
    expect(orphanFinalizers(image, exists, IMAGE_FINALIZER_PREFIX)).toEqual([
      { finalizer: 'segment.walt.dev/old', segment: 'old' },
      { finalizer: 'segment.walt.dev/gone.b', segment: 'gone.b' },
    ]);
  });

  it('keeps every finalizer of an object that is not being deleted', () => {
    const image = { metadata: { name: 'debian', finalizers: ['segment.walt.dev/old'] } };
    expect(orphanFinalizers(image, exists, IMAGE_FINALIZER_PREFIX)).toEqual([]);
  });

  it('keeps the finalizers of existing segments', () => {
    const node = deleting(['vnode.walt.dev/lab', 'vnode.walt.dev/annex']);
    expect(orphanFinalizers(node, exists, VNODE_FINALIZER_PREFIX)).toEqual([]);
  });

  it('leaves other finalizers alone, the other kind of agent finalizer included', () => {
    const node = deleting([
      'experiment.walt.dev/release',
      'segment.walt.dev/old',
      'example.com/vnode.walt.dev/old',
      'kubernetes',
      'foregroundDeletion',
      'vnode.walt.dev/old',
    ]);
    expect(orphanFinalizers(node, exists, VNODE_FINALIZER_PREFIX)).toEqual([
      { finalizer: 'vnode.walt.dev/old', segment: 'old' },
    ]);
  });

  it('skips a suffix that cannot name a segment', () => {
    const image = deleting([
      'segment.walt.dev/',
      'segment.walt.dev/Upper',
      'segment.walt.dev/a/b',
      'segment.walt.dev/-x',
    ]);
    expect(orphanFinalizers(image, () => false, IMAGE_FINALIZER_PREFIX)).toEqual([]);
  });

  it('names a repeated finalizer once', () => {
    const image = deleting(['segment.walt.dev/old', 'segment.walt.dev/old']);
    expect(orphanFinalizers(image, exists, IMAGE_FINALIZER_PREFIX)).toHaveLength(1);
  });

  it('asks about each segment it names', () => {
    const asked: string[] = [];
    orphanFinalizers(
      deleting(['vnode.walt.dev/lab', 'vnode.walt.dev/old']),
      (s) => (asked.push(s), false),
      VNODE_FINALIZER_PREFIX,
    );
    expect(asked).toEqual(['lab', 'old']);
  });
});
