// Server-side apply of whole objects, for controllers that create children: the object sent is the
// complete intent of our field manager; fields we stop sending are removed, other managers' stay.
import * as k8s from '@kubernetes/client-node';

export interface Applier {
  readonly fieldManager: string;
  /** Applies `obj` (apiVersion, kind, metadata.name and the fields we own) and returns the result. */
  apply<T extends k8s.KubernetesObject>(obj: T, options?: { dryRun?: boolean }): Promise<T>;
  /** Deletes `obj`; an object already gone is not an error. */
  delete(obj: k8s.KubernetesObject): Promise<void>;
}

export function createApplier(kc: k8s.KubeConfig, fieldManager: string): Applier {
  const api = k8s.KubernetesObjectApi.makeApiClient(kc);
  return {
    fieldManager,
    apply<T extends k8s.KubernetesObject>(obj: T, options: { dryRun?: boolean } = {}): Promise<T> {
      // force: a controller is the authority on the fields it applies (conflicts go to it).
      const dryRun = options.dryRun ? 'All' : undefined;
      return api.patch(obj, undefined, dryRun, fieldManager, true, k8s.PatchStrategy.ServerSideApply);
    },
    async delete(obj: k8s.KubernetesObject): Promise<void> {
      try {
        await api.delete(obj);
      } catch (err) {
        if ((err as { code?: number }).code !== 404) throw err;
      }
    },
  };
}

/**
 * An owner reference to `owner`, for children it controls: the garbage collector deletes them with it.
 * Owner and child must be in the same namespace, or the owner cluster-scoped.
 */
export function ownerReference(
  owner: k8s.KubernetesObject,
  options: { controller?: boolean; blockOwnerDeletion?: boolean } = {},
): k8s.V1OwnerReference {
  const { name, uid } = owner.metadata ?? {};
  if (!owner.apiVersion || !owner.kind || !name || !uid) {
    throw new TypeError(
      'ownerReference needs an owner with apiVersion, kind, metadata.name and metadata.uid',
    );
  }
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name,
    uid,
    controller: options.controller ?? true,
    blockOwnerDeletion: options.blockOwnerDeletion ?? true,
  };
}

/** `child` with an owner reference to `owner` added (replacing one to the same uid). Pure. */
export function withOwner<T extends k8s.KubernetesObject>(child: T, owner: k8s.KubernetesObject): T {
  const ref = ownerReference(owner);
  const others = (child.metadata?.ownerReferences ?? []).filter((r) => r.uid !== ref.uid);
  return { ...child, metadata: { ...child.metadata, ownerReferences: [...others, ref] } };
}
