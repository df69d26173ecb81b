// A node that runs another image than the one it should boot (bootImageOf: its claim's, else its
// spec's) must reboot to pick it up (nodes boot their image over the network at each boot: a reboot is
// the switch). Once per switch — the spec generation and the wanted image, since a claim changes the
// image without changing the generation — recorded in the node's status: phase Booting, a message, and
// an ImageReboot condition whose observedGeneration and message say which switch it was for
// (api/node/boot-image.ts), so a reconcile loop never reboots the node twice for one change.
// Used by the vnode controller and by the controller of nodes powered from outside.
import type * as k8s from '@kubernetes/client-node';
import { IMAGE_REBOOT_CONDITION, imageRebootHandled, imageRebootMessage } from '../../api/node/index.js';
import { RESOURCES, type WaltNode } from '../../api/v1alpha1/index.js';
import type { Logger } from '../../common/logger.js';
import { createStatusWriter, setCondition, type Status, type StatusWriter } from '../../runtime/index.js';
import { imageRefOf } from '../netboot/gate.js';
import { rebootWith, type Reboots } from './requested-reboot.js';

export type ImageRebootDecision =
  | { reboot: false; why: 'NotReady' | 'NothingBooted' | 'SameImage' | 'AlreadyRebooted' }
  | { reboot: true; wanted: string; booted: string; generation: number };

/** The image the node should run (its claim's, else its spec's), as status.bootedImage.name writes it. */
export function wantedImage(node: WaltNode): string {
  const ref = imageRefOf(node);
  return `${ref.namespace}/${ref.name}`;
}

/** The key of one image switch: the spec generation and the image wanted then. */
export function switchKey(generation: number, wanted: string): string {
  return `${generation} ${wanted}`;
}

/**
 * Whether `node` must reboot for its image (pure). `rebootedFor` is the switch this process last
 * rebooted it for (`switchKey`; the status may not show it yet).
 */
export function decideImageReboot(node: WaltNode, rebootedFor?: string): ImageRebootDecision {
  const status = node.status;
  if (status?.phase !== 'Ready') return { reboot: false, why: 'NotReady' };
  const booted = status.bootedImage?.name;
  if (!booted) return { reboot: false, why: 'NothingBooted' };
  const wanted = wantedImage(node);
  if (wanted === booted) return { reboot: false, why: 'SameImage' };
  const generation = node.metadata.generation ?? 0;
  if (imageRebootHandled(node, wanted) || rebootedFor === switchKey(generation, wanted))
    return { reboot: false, why: 'AlreadyRebooted' };
  return { reboot: true, wanted, booted, generation };
}

/** The status recording a reboot for an image change, or its failure (pure). */
export function imageRebootStatus(
  node: WaltNode,
  decision: Extract<ImageRebootDecision, { reboot: true }>,
  outcome: { error?: unknown; now: Date },
): Status {
  const { wanted, booted, generation } = decision;
  const failed = outcome.error !== undefined;
  const detail = failed
    ? outcome.error instanceof Error
      ? outcome.error.message
      : String(outcome.error)
    : '';
  const conditions = setCondition(
    node.status?.conditions,
    failed
      ? {
          type: IMAGE_REBOOT_CONDITION,
          status: 'False',
          reason: 'RebootFailed',
          message: imageRebootMessage(wanted, { error: detail }),
        }
      : {
          type: IMAGE_REBOOT_CONDITION,
          status: 'True',
          reason: 'ImageChanged',
          message: imageRebootMessage(wanted, { booted }),
        },
    generation,
    outcome.now,
  ).filter((c) => c.type === IMAGE_REBOOT_CONDITION);
  // On failure the node still runs what it ran: only the condition says why it did not switch.
  if (failed) return { conditions };
  return { phase: 'Booting', message: `rebooting into ${wanted} (image changed from ${booted})`, conditions };
}

export interface ImageRebooter {
  /** Reboots `node` if its image changed; resolves whether it asked for a reboot. */
  check(node: WaltNode): Promise<boolean>;
}

export interface ImageRebooterOptions {
  kc: k8s.KubeConfig;
  segment: string;
  power: Reboots;
  logger: Logger;
  /** Default: server-side apply with the field manager walt-agent-<segment>-reboot. */
  writer?: StatusWriter<WaltNode>;
}

/** The field manager of the reboot record: its own, so other status writers' fields stay theirs. */
export function rebootFieldManager(segment: string): string {
  return `walt-agent-${segment}-reboot`;
}

export function createImageRebooter(options: ImageRebooterOptions): ImageRebooter {
  const writer =
    options.writer ??
    createStatusWriter<WaltNode>({
      kc: options.kc,
      resource: RESOURCES.node,
      fieldManager: rebootFieldManager(options.segment),
      logger: options.logger,
    });
  // Switch last rebooted for (switchKey), by node uid: holds even when recording the reboot failed.
  const rebooted = new Map<string, string>();
  return {
    async check(node) {
      const key = node.metadata.uid ?? node.metadata.name;
      const decision = decideImageReboot(node, rebooted.get(key));
      if (!decision.reboot) return false;
      rebooted.set(key, switchKey(decision.generation, decision.wanted));
      const log = options.logger.child({ node: node.metadata.name });
      const cause = `image change to ${decision.wanted} (generation ${decision.generation})`;
      const error = await rebootWith(options.power, node, { cause, hardOnly: false }).then(
        () => undefined,
        (e: unknown) => e,
      );
      if (error) log.warn({ err: error, ...decision }, 'could not reboot the node for its new image');
      else log.info(decision, 'node rebooted to boot its new image');
      await writer.apply(node, (current) => imageRebootStatus(current, decision, { error, now: new Date() }));
      return error === undefined;
    },
  };
}
