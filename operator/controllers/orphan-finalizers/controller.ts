// The orphan-finalizers controllers: release the agent finalizers no agent will ever remove. Each
// segment's boot agent puts segment.walt.dev/<segment> on every WaltImage and vnode.walt.dev/<segment>
// on the virtual WaltNodes it runs (api/agent/finalizers.ts). In a cluster the garbage collector takes
// a deleted segment's DaemonSet away (ADR 0013, no finalizer on the segment), so an image or node
// deleted afterwards would stay Terminating forever. When an object being deleted carries such a
// finalizer, and its segment is neither in the segments cache nor found by a GET (a cache that lags
// never drops a live agent's finalizer), the finalizer goes, with an Event and a log line. What the
// agent would have cleaned (its cache of the image on the segment's hosts) stays: nobody runs there.
//
// Three controllers on the manager: images and nodes (reconcile = release orphans), and a segments
// watcher whose cache answers "does it exist" and whose deletions re-queue the objects already
// Terminating with that segment's finalizers (deleted before their segment).
import type * as k8s from '@kubernetes/client-node';
import {
  IMAGE_FINALIZER_PREFIX,
  imageFinalizer,
  VNODE_FINALIZER_PREFIX,
  vnodeFinalizer,
} from '../../../api/agent/finalizers.js';
import { RESOURCES, type WaltImage, type WaltNode, type WaltSegment } from '../../../api/v1alpha1/index.js';
import {
  type Controller,
  createResourceClient,
  keyOf,
  type Manager,
  type ReconcileContext,
  type ReconcileOutcome,
  statusCodeOf,
} from '../../../runtime/index.js';
import { orphanFinalizers } from './orphans.js';

export const ORPHAN_FINALIZERS_FIELD_MANAGER = 'walt-orphan-finalizers';

/** The Event reason on an object whose orphan finalizer was removed. */
export const ORPHAN_FINALIZER_REMOVED = 'OrphanFinalizerRemoved';

export interface OrphanFinalizersOptions {
  kc: k8s.KubeConfig;
  /** Watch the WaltImages of one namespace only (WaltNodes and WaltSegments are cluster-scoped). */
  namespace?: string;
}

export interface OrphanFinalizersControllers {
  images: Controller<WaltImage>;
  nodes: Controller<WaltNode>;
  segments: Controller<WaltSegment>;
}

/** Where a segment is looked up: the watch cache first, then the apiserver to confirm its absence. */
interface Segments {
  cached: (segment: string) => boolean;
  exists: (segment: string) => Promise<boolean>;
}

async function release<T extends WaltImage | WaltNode>(
  object: T,
  ctx: ReconcileContext<T>,
  prefix: string,
  lookup: Segments,
): Promise<ReconcileOutcome> {
  for (const { finalizer, segment } of orphanFinalizers(object, lookup.cached, prefix)) {
    if (await lookup.exists(segment)) {
      // Created since the cache last heard of it: its agent holds the finalizer.
      ctx.logger.debug({ finalizer, segment }, 'segment exists though not cached yet; finalizer kept');
      continue;
    }
    await ctx.finalizers.remove(finalizer);
    ctx.logger.info({ finalizer, segment }, 'removed the finalizer of a segment that no longer exists');
    await ctx.events.normal(
      ORPHAN_FINALIZER_REMOVED,
      `segment ${segment} no longer exists, so no boot agent of it remains to remove ${finalizer}: removed it (what that agent kept for this object on its hosts is not cleaned)`,
      'RemoveFinalizer',
    );
  }
  return undefined;
}

/** Adds the three controllers to `manager`. */
export function registerOrphanFinalizers(
  manager: Manager,
  options: OrphanFinalizersOptions,
): OrphanFinalizersControllers {
  const segmentClient = createResourceClient<WaltSegment>(options.kc, RESOURCES.segment);
  const exists = (name: string): Promise<boolean> =>
    segmentClient.get({ name }).then(
      () => true,
      (error: unknown) => {
        if (statusCodeOf(error) === 404) return false;
        throw error;
      },
    );
  const segments = manager.addController<WaltSegment>({
    name: 'orphan-finalizers-segments',
    resource: RESOURCES.segment,
    fieldManager: ORPHAN_FINALIZERS_FIELD_MANAGER,
    reconcile: () => Promise.resolve(undefined),
  });
  const lookup: Segments = { cached: (name) => segments.informer.get(name) !== undefined, exists };
  const images = manager.addController<WaltImage>({
    name: 'orphan-finalizers-images',
    resource: RESOURCES.image,
    fieldManager: ORPHAN_FINALIZERS_FIELD_MANAGER,
    concurrency: 2,
    ...(options.namespace ? { namespace: options.namespace } : {}),
    reconcile: (image, ctx) => release(image, ctx, IMAGE_FINALIZER_PREFIX, lookup),
  });
  const nodes = manager.addController<WaltNode>({
    name: 'orphan-finalizers-nodes',
    resource: RESOURCES.node,
    fieldManager: ORPHAN_FINALIZERS_FIELD_MANAGER,
    reconcile: (node, ctx) => release(node, ctx, VNODE_FINALIZER_PREFIX, lookup),
  });
  // A segment gone: what was already Terminating with its finalizers may go now.
  segments.informer.on('delete', (segment) => {
    const requeue = (controller: Controller<WaltImage> | Controller<WaltNode>, finalizer: string): void => {
      for (const object of controller.informer.list())
        if (object.metadata.deletionTimestamp && object.metadata.finalizers?.includes(finalizer))
          controller.enqueue(keyOf(object));
    };
    requeue(images, imageFinalizer(segment.metadata.name));
    requeue(nodes, vnodeFinalizer(segment.metadata.name));
  });
  return { images, nodes, segments };
}
