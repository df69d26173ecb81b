// Writes the Experiment controller makes to WaltNodes, with field manager walt-experiments:
// - the claim, status.claimedBy, by a merge patch of the status subresource that carries the
//   resourceVersion read (the apiserver answers 409 if the node changed since): two experiments can
//   never both see the node free and both win;
// - the image to boot, spec.image, and our annotations (previous image, time of the boot request), by
//   a merge patch; a reboot request (walt.dev/reboot-requested-at, carried out by the node's agent)
//   when the image does not change or a hard reboot is wanted;
// - on release: the previous image back, our annotations gone, and the claim cleared only if it is
//   still ours (guarded by resourceVersion again).
import { REBOOT_REQUESTED_AT_ANNOTATION } from '../../../api/node/index.js';
import * as k8s from '@kubernetes/client-node';
import { RESOURCES, type WaltNode } from '../../../api/v1alpha1/index.js';
import { createResourceClient, statusCodeOf } from '../../../runtime/index.js';
import { isClaimedBy, type ExperimentRef } from './claims.js';
import { BOOT_REQUESTED_AT_ANNOTATION, FIELD_MANAGER, PREVIOUS_IMAGE_ANNOTATION } from './constants.js';

const MERGE = k8s.PatchStrategy.MergePatch;
const MANAGER = { fieldManager: FIELD_MANAGER };
const ATTEMPTS = 4;

export interface BootRequest {
  /** "<namespace>/<WaltImage>" for spec.image. */
  image: string;
  /**
   * auto: a hard reboot only if the agent would not reboot the node by itself, that is if spec.image
   * already is `image` or the node runs `image` now (the agent reboots a node whose spec.image differs
   * from what it runs); hard: always a hard reboot; none: only record the request time (a soft reboot
   * is under way).
   */
  reboot: 'auto' | 'hard' | 'none';
}

export interface NodeOps {
  /** Claims the node if it is free (true), or reports it taken (false). */
  claim(name: string, ref: ExperimentRef): Promise<boolean>;
  /** Asks the node to boot `request.image`; resolves the time of the request (ms). */
  requestBoot(name: string, request: BootRequest, now: Date): Promise<number>;
  /** Puts back the image the node had before the experiment, and drops our annotations (if `ref` holds it). */
  restoreImage(name: string, ref: ExperimentRef): Promise<void>;
  /** Clears status.claimedBy if it still names `ref`. */
  releaseClaim(name: string, ref: ExperimentRef): Promise<void>;
}

/** The metadata and spec patch asking `node` to boot `request.image` (pure). */
export function bootPatch(node: WaltNode, request: BootRequest, now: Date): Record<string, unknown> {
  const at = now.toISOString();
  const annotations = node.metadata.annotations ?? {};
  const previous = annotations[PREVIOUS_IMAGE_ANNOTATION] ?? node.spec.image ?? 'default';
  // A node released to its previous image and claimed again before its agent rebooted it still runs
  // `image`: setting spec.image back to it is no change the agent acts on.
  const unchanged = node.spec.image === request.image || node.status?.bootedImage?.name === request.image;
  const reboot = request.reboot === 'hard' || (request.reboot === 'auto' && unchanged);
  return {
    metadata: {
      resourceVersion: node.metadata.resourceVersion,
      annotations: {
        [PREVIOUS_IMAGE_ANNOTATION]: previous,
        [BOOT_REQUESTED_AT_ANNOTATION]: at,
        ...(reboot ? { [REBOOT_REQUESTED_AT_ANNOTATION]: at } : {}),
      },
    },
    spec: { image: request.image },
  };
}

/** The patch restoring the node's previous image, or undefined when there is nothing of ours (pure). */
export function restorePatch(node: WaltNode): Record<string, unknown> | undefined {
  const annotations = node.metadata.annotations ?? {};
  const previous = annotations[PREVIOUS_IMAGE_ANNOTATION];
  if (previous === undefined && annotations[BOOT_REQUESTED_AT_ANNOTATION] === undefined) return undefined;
  return {
    metadata: { annotations: { [PREVIOUS_IMAGE_ANNOTATION]: null, [BOOT_REQUESTED_AT_ANNOTATION]: null } },
    ...(previous === undefined ? {} : { spec: { image: previous } }),
  };
}

/** When `node` was last asked to boot by an experiment (ms), from its annotation. */
export function bootRequestedAt(node: WaltNode | undefined): number | undefined {
  const text = node?.metadata.annotations?.[BOOT_REQUESTED_AT_ANNOTATION];
  const at = text ? Date.parse(text) : NaN;
  return Number.isNaN(at) ? undefined : at;
}

function isConflict(error: unknown): boolean {
  return statusCodeOf(error) === 409;
}

export function createNodeOps(kc: k8s.KubeConfig): NodeOps {
  const client = createResourceClient<WaltNode>(kc, RESOURCES.node);
  const get = (name: string): Promise<WaltNode> => client.get({ name });

  /** Reads the node, lets `patchOf` decide, writes; a 409 reads again (a few times). */
  async function guarded(name: string, write: (node: WaltNode) => Promise<boolean>): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await write(await get(name));
      } catch (error) {
        if (!isConflict(error) || attempt >= ATTEMPTS) throw error;
      }
    }
  }

  return {
    claim: (name, ref) =>
      guarded(name, async (node) => {
        if (isClaimedBy(node, ref)) return true;
        if (node.status?.claimedBy || node.metadata.deletionTimestamp) return false;
        const body = {
          metadata: { resourceVersion: node.metadata.resourceVersion },
          status: { claimedBy: ref },
        };
        await client.patchStatus({ name }, body, MERGE, MANAGER);
        return true;
      }),
    async requestBoot(name, request, now) {
      await guarded(name, async (node) => {
        await client.patch({ name }, bootPatch(node, request, now), MERGE, MANAGER);
        return true;
      });
      return now.getTime();
    },
    async restoreImage(name, ref) {
      const node = await get(name);
      // Not ours (any more): the claim is cleared only after the restore, so ours was restored.
      const patch = isClaimedBy(node, ref) ? restorePatch(node) : undefined;
      if (patch) await client.patch({ name }, patch, MERGE, MANAGER);
    },
    async releaseClaim(name, ref) {
      await guarded(name, async (node) => {
        if (!isClaimedBy(node, ref)) return false;
        const body = {
          metadata: { resourceVersion: node.metadata.resourceVersion },
          status: { claimedBy: null },
        };
        await client.patchStatus({ name }, body, MERGE, MANAGER);
        return true;
      });
    },
  };
}
