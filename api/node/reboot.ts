// When a node counts as booted, and when a reboot someone asked for is still to happen: one rule for
// the CLI (`walt node wait`), the client library, the operator (experiment steps) and the agents that
// carry reboots out. Pure functions of a WaltNode.
import type { WaltNode } from '../v1alpha1/index.js';
import type { POWER_DRIVERS } from '../v1alpha1/index.js';
import { REBOOT_REQUESTED_AT_ANNOTATION } from './annotations.js';
import { REBOOT_REQUEST_CONDITION } from './conditions.js';

export type PowerDriverName = (typeof POWER_DRIVERS)[number];

// Only RFC 3339 (no spaces): the request time is read back from the condition message.
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;
const HANDLED = /^requested at (\S+);/;

export type RequestedRebootDecision =
  | { reboot: false; why: 'NoRequest' | 'InvalidRequest' | 'AlreadyHandled' }
  | { reboot: true; requestedAt: string; generation: number };

/**
 * The driver that powers `node`. A virtual node left at "none" (the schema default) is powered by qemu
 * all the same: the agent that runs its VM can always power it.
 */
export function powerDriverOf(node: WaltNode): PowerDriverName {
  const driver = node.spec.power?.driver ?? 'none';
  return driver === 'none' && node.spec.virtual ? 'qemu' : driver;
}

/** The request time the node's status records as handled last, if any. */
export function handledRequest(node: WaltNode): string | undefined {
  const message = node.status?.conditions?.find((c) => c.type === REBOOT_REQUEST_CONDITION)?.message;
  return message ? HANDLED.exec(message)?.[1] : undefined;
}

/**
 * Whether `node` must reboot for a request: its annotation (a user's `walt node reboot`) or its claim
 * (status.claimedBy.rebootRequestedAt, an experiment's) holds a valid time newer than both the request
 * recorded in its status and `handledHere`, the one the caller handled last (the status may not show it
 * yet).
 */
export function decideRequestedReboot(node: WaltNode, handledHere?: string): RequestedRebootDecision {
  const asked = [
    node.metadata.annotations?.[REBOOT_REQUESTED_AT_ANNOTATION],
    node.status?.claimedBy?.rebootRequestedAt,
  ].filter((t): t is string => t !== undefined && t !== '');
  if (asked.length === 0) return { reboot: false, why: 'NoRequest' };
  const valid = asked.filter((t) => RFC3339.test(t) && !Number.isNaN(Date.parse(t)));
  // The newest valid request counts: a user's (annotation) or the claim's, whichever came last.
  const requestedAt = valid.sort((a, b) => Date.parse(b) - Date.parse(a))[0];
  if (requestedAt === undefined) return { reboot: false, why: 'InvalidRequest' };
  const at = Date.parse(requestedAt);
  const handled = [handledRequest(node), handledHere].some((h) => h !== undefined && Date.parse(h) >= at);
  if (handled) return { reboot: false, why: 'AlreadyHandled' };
  return { reboot: true, requestedAt, generation: node.metadata.generation ?? 0 };
}

/**
 * Whether a requested reboot of `node` is still to happen: a node that still shows Ready from before
 * the reboot is not booted yet. Every node with a power driver counts — the agent handles requests
 * for all of them, and records a failure too (then the request is handled, and no longer pending);
 * a node without one ("none", physical) is never rebooted, so waiting for it would never end.
 */
export function rebootPending(node: WaltNode): boolean {
  return powerDriverOf(node) !== 'none' && decideRequestedReboot(node).reboot;
}

/** Booted as `walt node wait` means it: Ready, and no requested reboot still to happen. */
export function isBooted(node: WaltNode): boolean {
  return node.status?.phase === 'Ready' && !rebootPending(node);
}

/**
 * Whether the node's last bootup notification came from a boot that began at `startedAt` (a VM start,
 * a boot request) or later. lastBootup has second precision, and no boot — firmware, kernel, init —
 * takes less than a second: a bootup in a later second than `startedAt` is from a boot begun after it,
 * one in the same second is from the boot before (it would read as "this boot" if a second's doubt were
 * given to it, and an experiment would then run its next step on a node about to go down).
 */
export function bootedSince(node: WaltNode, startedAt: number | undefined): boolean {
  const lastBootup = node.status?.lastBootup;
  if (!lastBootup || startedAt === undefined) return false;
  return Math.floor(Date.parse(lastBootup) / 1000) > Math.floor(startedAt / 1000);
}
