// Read-your-writes for a controller. Its informer cache learns of the controller's own writes a few
// milliseconds to seconds after they returned; a reconcile starting meanwhile (requeued, or woken by
// another object's change) would work from the version before the write and redo what that write
// recorded as done (a duplicate platform log line, a second Event, a repeated request). The controller
// keeps the object its last write returned, with the versions older than it that the cache may still
// show (the version the reconcile started from, and the controller's earlier writes, which the watch
// may deliver one by one), and starts the next reconcile from it while the cache shows one of those.
import type * as k8s from '@kubernetes/client-node';

interface OwnWrite<T> {
  /** resourceVersions older than `written` the cache may still hold. */
  older: Set<string>;
  written: T;
}

/** Deleted, with no finalizer left to hold it: the apiserver removed it. */
function isGone(obj: k8s.KubernetesObject): boolean {
  return obj.metadata?.deletionTimestamp !== undefined && (obj.metadata.finalizers ?? []).length === 0;
}

export class OwnWrites<T extends k8s.KubernetesObject> {
  private readonly byKey = new Map<string, OwnWrite<T>>();

  /** The object a reconcile of `key` starts from: `cached`, or our newer write while the cache lags. */
  freshest(key: string, cached: T): T {
    const own = this.byKey.get(key);
    if (!own) return cached;
    if (own.older.has(cached.metadata?.resourceVersion ?? '')) return own.written;
    // The cache moved on (our write arrived, or someone else's): it is the reference again.
    this.byKey.delete(key);
    return cached;
  }

  /** Records `written`, returned by a write of a reconcile that started from cached version `basedOn`. */
  record(key: string, basedOn: string | undefined, written: T): void {
    const version = written.metadata?.resourceVersion;
    if (basedOn === undefined || version === undefined) return;
    // A write that changed nothing keeps the version. So does the removal of the last finalizer of an
    // object being deleted (the apiserver answers the object as it was, minus the finalizer): without
    // it, a reconcile started before the deletion reaches the cache would finalize again.
    if (version === basedOn && !isGone(written)) return;
    // A reconcile that started from our previous write: the cache may still show any version before it.
    const previous = this.byKey.get(key);
    const older = new Set(previous?.older);
    if (previous?.written.metadata?.resourceVersion) older.add(previous.written.metadata.resourceVersion);
    older.add(basedOn);
    this.byKey.set(key, { older, written });
  }

  forget(key: string): void {
    this.byKey.delete(key);
  }

  get size(): number {
    return this.byKey.size;
  }
}
