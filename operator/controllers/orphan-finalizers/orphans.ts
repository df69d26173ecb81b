// Which agent finalizers of an object being deleted no agent will ever remove: those of a segment
// that no longer exists (its DaemonSet went with it, ADR 0013). Pure: the controller brings the
// segments it knows of and confirms each answer with a GET before it acts.
import type * as k8s from '@kubernetes/client-node';
import { finalizerSegment } from '../../../api/agent/finalizers.js';

export interface OrphanFinalizer {
  finalizer: string;
  segment: string;
}

/**
 * The finalizers `<prefix><segment>` of `object` whose segment is not in `existingSegments`, only
 * while the object is being deleted (a live object keeps its agents' finalizers: a segment created
 * again under the same name takes them over). In the order of the object's list, each once.
 */
export function orphanFinalizers(
  object: k8s.KubernetesObject,
  existingSegments: (segment: string) => boolean,
  prefix: string,
): OrphanFinalizer[] {
  if (!object.metadata?.deletionTimestamp) return [];
  const seen = new Set<string>();
  const orphans: OrphanFinalizer[] = [];
  for (const finalizer of object.metadata.finalizers ?? []) {
    const segment = finalizerSegment(finalizer, prefix);
    if (segment === undefined || seen.has(finalizer) || existingSegments(segment)) continue;
    seen.add(finalizer);
    orphans.push({ finalizer, segment });
  }
  return orphans;
}
