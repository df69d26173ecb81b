// The finalizers a segment's boot agent puts on the objects it holds resources for, shared by the
// agents that add and remove them and the operator that releases those of a segment that is gone
// (operator/controllers/orphan-finalizers). One place for each name. Pure.

/** On every WaltImage: the agent of segment S cleans its cache of the image before it goes. */
export const IMAGE_FINALIZER_PREFIX = 'segment.walt.dev/';

/** On each virtual WaltNode of segment S: its agent stops the VM and deletes its tap and work dir. */
export const VNODE_FINALIZER_PREFIX = 'vnode.walt.dev/';

export const imageFinalizer = (segment: string): string => `${IMAGE_FINALIZER_PREFIX}${segment}`;

export const vnodeFinalizer = (segment: string): string => `${VNODE_FINALIZER_PREFIX}${segment}`;

// A segment is cluster-scoped: its name is a DNS subdomain (≤ 253, lower case, digits, '-' and '.').
const SEGMENT_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/**
 * The segment whose agent holds `finalizer` (a name `<prefix><segment>`), or undefined when the
 * finalizer is another's or its suffix cannot name a segment.
 */
export function finalizerSegment(finalizer: string, prefix: string): string | undefined {
  if (!finalizer.startsWith(prefix)) return undefined;
  const segment = finalizer.slice(prefix.length);
  return SEGMENT_NAME.test(segment) ? segment : undefined;
}
