// Read-your-writes: the last write is used while the cache still holds the version it was based on.
import type * as k8s from '@kubernetes/client-node';
import { OwnWrites } from './own-writes.js';

const obj = (rv: string, phase: string): k8s.KubernetesObject & { status: { phase: string } } => ({
  metadata: { name: 'e1', namespace: 'ns', resourceVersion: rv },
  status: { phase },
});

describe('OwnWrites', () => {
  it('gives the cached object when nothing was written', () => {
    const writes = new OwnWrites<ReturnType<typeof obj>>();
    const cached = obj('10', 'Booting');
    expect(writes.freshest('ns/e1', cached)).toBe(cached);
  });

  it('gives our write while the cache lags, then the cache once it moved on', () => {
    const writes = new OwnWrites<ReturnType<typeof obj>>();
    writes.record('ns/e1', '10', obj('11', 'Running'));
    expect(writes.freshest('ns/e1', obj('10', 'Booting')).status.phase).toBe('Running');
    expect(writes.freshest('ns/e1', obj('10', 'Booting')).status.phase).toBe('Running');
    // The watch delivered our write (or a newer one): the cache is the reference again.
    const caughtUp = obj('12', 'Running');
    expect(writes.freshest('ns/e1', caughtUp)).toBe(caughtUp);
    expect(writes.size).toBe(0);
  });

  it('records nothing for a write that changed nothing, nor without a cached version', () => {
    const writes = new OwnWrites<ReturnType<typeof obj>>();
    writes.record('ns/e1', '10', obj('10', 'Booting'));
    writes.record('ns/e1', undefined, obj('11', 'Running'));
    expect(writes.size).toBe(0);
  });

  it('keeps the removal of the last finalizer, answered at the version it had: the object is gone', () => {
    const writes = new OwnWrites<ReturnType<typeof obj>>();
    const deleting = (finalizers: string[]) => ({
      ...obj('10', 'Releasing'),
      metadata: { ...obj('10', 'Releasing').metadata, deletionTimestamp: new Date(), finalizers },
    });
    writes.record('ns/e1', '10', deleting([]));
    // A reconcile woken before the deletion reaches the cache sees no finalizer left to run.
    expect(writes.freshest('ns/e1', deleting(['walt.dev/x'])).metadata?.finalizers).toEqual([]);
  });

  it('keeps only the last write of a reconcile, and forgets a deleted object', () => {
    const writes = new OwnWrites<ReturnType<typeof obj>>();
    writes.record('ns/e1', '10', obj('11', 'Running'));
    writes.record('ns/e1', '10', obj('12', 'Releasing'));
    expect(writes.freshest('ns/e1', obj('10', 'Booting')).status.phase).toBe('Releasing');
    writes.forget('ns/e1');
    expect(writes.size).toBe(0);
  });

  it('keeps using the last write while the watch delivers the earlier ones, one by one', () => {
    const writes = new OwnWrites<ReturnType<typeof obj>>();
    // Reconcile 1 starts from the cache (10) and writes 11; reconcile 2 starts from 11 (cache lags)
    // and writes 12.
    writes.record('ns/e1', '10', obj('11', 'Booting'));
    expect(writes.freshest('ns/e1', obj('10', 'Pending')).metadata?.resourceVersion).toBe('11');
    writes.record('ns/e1', '10', obj('12', 'Running'));
    // The watch now delivers 11: still older than our last write.
    expect(writes.freshest('ns/e1', obj('11', 'Booting')).status.phase).toBe('Running');
    expect(writes.freshest('ns/e1', obj('12', 'Running')).metadata?.resourceVersion).toBe('12');
    expect(writes.size).toBe(0);
  });
});
