// Writes the Experiment controller makes to WaltNodes: all of them to status.claimedBy, the claim,
// through the status subresource with field manager walt-experiments. It never writes a node's spec
// (the user's, or a GitOps tool's) nor its metadata:
// - the claim itself, {namespace, name}, by a merge patch that carries the resourceVersion read (the
//   apiserver answers 409 if the node changed since): two experiments can never both see the node
//   free and both win;
// - what the claim asks the node to boot: image (over spec.image: bootImageOf, api/node/boot-image.ts),
//   bootRequestedAt (the boot it then waits for) and, when the agent would not reboot the node by
//   itself, rebootRequestedAt (carried out by the node's agent like a `walt node reboot`); guarded by
//   resourceVersion, and only while the claim is still ours;
// - on release: the claim cleared whole (if it is still ours) — nothing is restored, the node boots its
//   spec's image again and its agent reboots it into that image.
import * as k8s from '@kubernetes/client-node';
import { bootImageOf, imageRebootHandled } from '../../../api/node/index.js';
import { RESOURCES, type WaltNode } from '../../../api/v1alpha1/index.js';
import { createResourceClient, statusCodeOf } from '../../../runtime/index.js';
import { isClaimedBy, type ExperimentRef } from './claims.js';
import { FIELD_MANAGER } from './constants.js';
import { ERR_CLAIM_LOST } from './errors.js';

const MERGE = k8s.PatchStrategy.MergePatch;
const MANAGER = { fieldManager: FIELD_MANAGER };
const ATTEMPTS = 4;

export interface BootRequest {
  /** "<namespace>/<WaltImage>", the claim's image. */
  image: string;
  /**
   * auto: a hard reboot only if the agent would not reboot the node by itself, that is if its boot
   * image already is `image`, the node runs `image` now, or its agent already rebooted it once for
   * `image` at this spec generation (the agent reboots a node once per switch to an image it does not
   * run); hard: always a hard reboot; none: only record the request time (a soft reboot is under way).
   */
  reboot: 'auto' | 'hard' | 'none';
}

export interface NodeOps {
  /** Claims the node if it is free (true), or reports it taken (false). */
  claim(name: string, ref: ExperimentRef): Promise<boolean>;
  /** Asks the node `ref` claims to boot `request.image`; resolves the time of the request (ms). */
  requestBoot(name: string, ref: ExperimentRef, request: BootRequest, now: Date): Promise<number>;
  /** Clears status.claimedBy if it still names `ref`: the node boots its spec's image again. */
  releaseClaim(name: string, ref: ExperimentRef): Promise<void>;
}

/** Whether the agent of `node` will reboot it by itself once its claim asks for `image` (pure). */
export function agentSwitchesTo(node: WaltNode, image: string): boolean {
  const changes = bootImageOf(node) !== image && node.status?.bootedImage?.name !== image;
  return changes && !imageRebootHandled(node, image);
}

/** The status patch of the claim asking `node` to boot `request.image` (pure). */
export function bootPatch(node: WaltNode, request: BootRequest, now: Date): Record<string, unknown> {
  const at = now.toISOString();
  const reboot =
    request.reboot === 'hard' || (request.reboot === 'auto' && !agentSwitchesTo(node, request.image));
  return {
    metadata: { resourceVersion: node.metadata.resourceVersion },
    status: {
      claimedBy: {
        image: request.image,
        bootRequestedAt: at,
        // Hard: the agent power-cycles a physical node at once, without its soft step (docs/power.md);
        // a merge patch keeps what it does not name, so a soft-first request removes an older mark.
        ...(reboot ? { rebootRequestedAt: at, rebootHard: request.reboot === 'hard' ? true : null } : {}),
      },
    },
  };
}

/** When `node` was last asked to boot by the experiment that claims it (ms), from its claim. */
export function bootRequestedAt(node: WaltNode | undefined): number | undefined {
  const text = node?.status?.claimedBy?.bootRequestedAt;
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
    async requestBoot(name, ref, request, now) {
      await guarded(name, async (node) => {
        if (!isClaimedBy(node, ref)) throw ERR_CLAIM_LOST(name, `${ref.namespace}/${ref.name}`);
        await client.patchStatus({ name }, bootPatch(node, request, now), MERGE, MANAGER);
        return true;
      });
      return now.getTime();
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
