// The default-images controller: for each node model that has at least one WaltNode, the WaltImage
// `<system namespace>/<model>-default` (what `image: default` means, api/node/boot-image.ts) exists.
// Missing, it is created by server-side apply (field manager walt-default-images, label
// walt.dev/managed-by=walt-default-images) from the operator's configuration (config.ts); one it made is
// kept in step with that configuration; one it did not make is never changed nor deleted, and nothing is
// deleted when the last node of a model goes (an image in use by a claim, or kept for the next node).
// Reconciles WaltNodes: a discovered node (agents/dhcp/service.ts) brings its model's image.
import * as k8s from '@kubernetes/client-node';
import { systemNamespace } from '../../../api/system-namespace.js';
import { RESOURCES, type WaltImage, type WaltNode } from '../../../api/v1alpha1/index.js';
import { isNodeModel } from '../../../api/v1alpha1/node-models.js';
import {
  statusCodeOf,
  type ManagedControllerOptions,
  type ReconcileContext,
} from '../../../runtime/index.js';
import type { DefaultImagesConfig } from './config.js';
import { defaultImageAction, defaultImageName, desiredDefaultImage } from './desired.js';

export const DEFAULT_IMAGES_FIELD_MANAGER = 'walt-default-images';

export interface DefaultImagesOptions {
  kc: k8s.KubeConfig;
  config: DefaultImagesConfig;
  /** Where the default images live (default: the system namespace, WALT_SYSTEM_NAMESPACE). */
  namespace?: string;
  /** Only the WaltNodes with these labels (default: all; a test confines itself to its own). */
  labelSelector?: string;
}

async function existingImage(
  api: k8s.CustomObjectsApi,
  namespace: string,
  name: string,
): Promise<WaltImage | undefined> {
  try {
    return (await api.getNamespacedCustomObject({ ...RESOURCES.image, namespace, name })) as WaltImage;
  } catch (error) {
    if (statusCodeOf(error) === 404) return undefined;
    throw error;
  }
}

async function reconcile(
  node: WaltNode,
  ctx: ReconcileContext<WaltNode>,
  options: DefaultImagesOptions,
  clients: { api: k8s.CustomObjectsApi; objects: k8s.KubernetesObjectApi },
): Promise<undefined> {
  const model = node.spec.model;
  if (!isNodeModel(model) || node.metadata.deletionTimestamp) return undefined;
  const namespace = options.namespace ?? systemNamespace();
  const desired = desiredDefaultImage(model, namespace, options.config);
  const existing = await existingImage(clients.api, namespace, defaultImageName(model));
  const action = defaultImageAction(existing, desired);
  if (action === 'keep' || action === 'foreign') return undefined;
  // force: false: should a user create the image between the read and this apply, the apiserver
  // refuses to take over their fields (409) instead of overwriting them.
  await clients.objects.patch(
    desired,
    undefined,
    undefined,
    DEFAULT_IMAGES_FIELD_MANAGER,
    false,
    k8s.PatchStrategy.ServerSideApply,
  );
  ctx.logger.info(
    { model, image: `${namespace}/${desired.metadata.name}`, ref: desired.spec.ref, action },
    'default image %s',
    action === 'create' ? 'created' : 'updated',
  );
  return undefined;
}

export function defaultImagesController(options: DefaultImagesOptions): ManagedControllerOptions<WaltNode> {
  const clients = {
    api: options.kc.makeApiClient(k8s.CustomObjectsApi),
    objects: k8s.KubernetesObjectApi.makeApiClient(options.kc),
  };
  return {
    name: 'default-images',
    resource: RESOURCES.node,
    fieldManager: DEFAULT_IMAGES_FIELD_MANAGER,
    reconcile: (node, ctx) => reconcile(node, ctx, options, clients),
    ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}),
  };
}
