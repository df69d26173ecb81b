// Reboots asked for by a user (`walt node reboot`): the CLI stamps the node with the annotation
// walt.dev/reboot-requested-at (RFC 3339, the time of the request); the agent hard-reboots the node once
// per request newer than the last one it handled. The handled request is recorded in the node's status
// like an image-change reboot — phase Booting, a message, and a RebootRequest condition whose message
// begins with the request time — so a reconcile loop, or another agent replica after a failover,
// never reboots the node twice for one request.
import type * as k8s from '@kubernetes/client-node';
import {
  REBOOT_REQUEST_CONDITION,
  decideRequestedReboot,
  type RequestedRebootDecision,
} from '../../api/node/index.js';
import { RESOURCES, type WaltNode } from '../../api/v1alpha1/index.js';
import type { Logger } from '../../common/logger.js';
import { createStatusWriter, setCondition, type Status, type StatusWriter } from '../../runtime/index.js';
import { REBOOT_MODE_ANNOTATION, REBOOT_REQUESTED_AT_ANNOTATION } from '../../api/node/index.js';
import type { PowerDriver } from './driver.js';
import type { RebootAsk, RebootMethod } from './escalation.js';

/** How the reboot was carried out, for the condition's message. */
const DONE: Record<RebootMethod | 'skip', string> = {
  hard: 'hard-rebooted',
  soft: 'soft reboot sent',
  skip: 'reboot already under way',
};

/**
 * Reboots with the escalation (escalator.ts) when the caller has it (nodes powered from outside);
 * else a hard reboot (VMs). Resolves how it went.
 */
export interface Reboots extends Pick<PowerDriver, 'hardReboot'> {
  reboot?(node: WaltNode, ask: RebootAsk): Promise<RebootMethod | 'skip'>;
}

export function rebootWith(power: Reboots, node: WaltNode, ask: RebootAsk): Promise<RebootMethod | 'skip'> {
  if (power.reboot) return power.reboot(node, ask);
  return power.hardReboot(node).then(() => 'hard' as const);
}

/**
 * Whether the request skips the soft step (WalT's hard_only): a `walt node reboot --hard` (the
 * annotation's request, with mode hard), or an experiment's hard request (the claim's, rebootHard).
 */
export function hardOnly(node: WaltNode, requestedAt: string): boolean {
  const annotations = node.metadata.annotations ?? {};
  const claim = node.status?.claimedBy;
  if (claim?.rebootRequestedAt === requestedAt && claim.rebootHard === true) return true;
  return (
    annotations[REBOOT_REQUESTED_AT_ANNOTATION] === requestedAt &&
    annotations[REBOOT_MODE_ANNOTATION] === 'hard'
  );
}

/** The status recording a requested reboot, or its failure (pure). */
export function requestedRebootStatus(
  node: WaltNode,
  decision: Extract<RequestedRebootDecision, { reboot: true }>,
  outcome: { error?: unknown; now: Date; method?: RebootMethod | 'skip' },
): Status {
  const { requestedAt, generation } = decision;
  const failed = outcome.error !== undefined;
  const detail = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
  const conditions = setCondition(
    node.status?.conditions,
    failed
      ? {
          type: REBOOT_REQUEST_CONDITION,
          status: 'False',
          reason: 'RebootFailed',
          message: `requested at ${requestedAt}; ${detail}`,
        }
      : {
          type: REBOOT_REQUEST_CONDITION,
          status: 'True',
          reason: 'Rebooted',
          message: `requested at ${requestedAt}; ${DONE[outcome.method ?? 'hard']}`,
        },
    generation,
    outcome.now,
  ).filter((c) => c.type === REBOOT_REQUEST_CONDITION);
  // On failure the node still runs: only the condition says the request could not be carried out.
  if (failed) return { conditions };
  return { phase: 'Booting', message: `rebooting as requested at ${requestedAt}`, conditions };
}

export interface RequestedRebooter {
  /** Reboots `node` if it carries a request not handled yet; resolves whether it rebooted it. */
  check(node: WaltNode): Promise<boolean>;
}

export interface RequestedRebooterOptions {
  kc: k8s.KubeConfig;
  segment: string;
  power: Reboots;
  logger: Logger;
  /** Default: server-side apply with the field manager walt-agent-<segment>-reboot-request. */
  writer?: StatusWriter<WaltNode>;
}

/**
 * The field manager of the request record: not the image reboot's, whose applies would otherwise
 * drop this condition (an apply removes the fields its manager no longer sends).
 */
export function rebootRequestFieldManager(segment: string): string {
  return `walt-agent-${segment}-reboot-request`;
}

export function createRequestedRebooter(options: RequestedRebooterOptions): RequestedRebooter {
  const writer =
    options.writer ??
    createStatusWriter<WaltNode>({
      kc: options.kc,
      resource: RESOURCES.node,
      fieldManager: rebootRequestFieldManager(options.segment),
      logger: options.logger,
    });
  // Request last handled, by node uid: holds even when recording it failed (no retry loop).
  const handled = new Map<string, string>();
  return {
    async check(node) {
      const key = node.metadata.uid ?? node.metadata.name;
      const decision = decideRequestedReboot(node, handled.get(key));
      if (!decision.reboot) return false;
      handled.set(key, decision.requestedAt);
      const log = options.logger.child({ node: node.metadata.name });
      const ask = {
        cause: `reboot requested at ${decision.requestedAt}`,
        hardOnly: hardOnly(node, decision.requestedAt),
      };
      let method: RebootMethod | 'skip' = 'hard';
      const error = await rebootWith(options.power, node, ask).then(
        (how) => void (method = how),
        (e: unknown) => e,
      );
      if (error) log.warn({ err: error, ...decision }, 'could not carry out a requested reboot');
      else log.info({ ...decision, method }, 'node rebooted as requested');
      await writer.apply(node, (current) =>
        requestedRebootStatus(current, decision, { error, now: new Date(), method }),
      );
      return error === undefined;
    },
  };
}
