// Adding and removing a finalizer with a JSON patch that carries the resourceVersion we read, so a
// writer holding a stale copy cannot clobber finalizers another writer just set: the apiserver takes a
// resourceVersion in the patched object as a precondition and answers 409; we re-read and try again.
// (A `test` op would also guard, but its failure is a bare 422 "Invalid", not told apart from others.)
import * as k8s from '@kubernetes/client-node';
import { ERR_FINALIZER_CONFLICT } from './errors.js';
import {
  createResourceClient,
  describeRef,
  refOf,
  statusCodeOf,
  type ResourceClient,
  type ResourceType,
} from './resource.js';

export interface Finalizers<T extends k8s.KubernetesObject> {
  add(obj: T, finalizer: string): Promise<T>;
  /** Resolves the object after removal (or as given when it is already gone). */
  remove(obj: T, finalizer: string): Promise<T>;
}

export function hasFinalizer(obj: k8s.KubernetesObject, finalizer: string): boolean {
  return obj.metadata?.finalizers?.includes(finalizer) ?? false;
}

/** The JSON patch that sets `finalizers` if the object is still at `resourceVersion`. Pure. */
export function finalizersPatch(resourceVersion: string | undefined, finalizers: string[]): object[] {
  return [
    { op: 'replace', path: '/metadata/resourceVersion', value: resourceVersion ?? '' },
    // "add" on an existing member replaces it, and creates it when absent.
    { op: 'add', path: '/metadata/finalizers', value: finalizers },
  ];
}

function isStale(err: unknown): boolean {
  return statusCodeOf(err) === 409;
}

class PatchFinalizers<T extends k8s.KubernetesObject> implements Finalizers<T> {
  private readonly client: ResourceClient<T>;

  constructor(
    kc: k8s.KubeConfig,
    resource: ResourceType,
    private readonly maxAttempts: number,
  ) {
    this.client = createResourceClient<T>(kc, resource);
  }

  add(obj: T, finalizer: string): Promise<T> {
    return this.change(obj, (list) => (list.includes(finalizer) ? undefined : [...list, finalizer]));
  }

  async remove(obj: T, finalizer: string): Promise<T> {
    try {
      return await this.change(obj, (list) =>
        list.includes(finalizer) ? list.filter((f) => f !== finalizer) : undefined,
      );
    } catch (err) {
      if (statusCodeOf(err) === 404) return obj;
      throw err;
    }
  }

  /** `next` returns the new list, or undefined when nothing is to change. */
  private async change(obj: T, next: (list: string[]) => string[] | undefined): Promise<T> {
    const ref = refOf(obj);
    let current = obj;
    for (let attempt = 1; ; attempt++) {
      const list = next(current.metadata?.finalizers ?? []);
      if (!list) return current;
      const patch = finalizersPatch(current.metadata?.resourceVersion, list);
      try {
        return await this.client.patch(ref, patch, k8s.PatchStrategy.JsonPatch);
      } catch (err) {
        if (!isStale(err)) throw err;
        if (attempt >= this.maxAttempts) throw ERR_FINALIZER_CONFLICT(describeRef(ref), attempt);
        current = await this.client.get(ref);
      }
    }
  }
}

export function createFinalizers<T extends k8s.KubernetesObject>(
  kc: k8s.KubeConfig,
  resource: ResourceType,
  options: { maxAttempts?: number } = {},
): Finalizers<T> {
  return new PatchFinalizers<T>(kc, resource, options.maxAttempts ?? 5);
}
