// Whether a node the experiment asked to boot has booted the wanted image since the request, must be
// hard-rebooted after a timeout, or has failed for good (pure). "Since the request" is what proves the
// boot is ours: lastBootup in a later second than the request (second precision, see bootedSince), and the
// booted image the wanted one, and the Ready condition True.
import { bootedSince } from '../../../api/node/index.js';
import type { WaltNode } from '../../../api/v1alpha1/index.js';
import { isConditionTrue } from '../../../runtime/index.js';

export interface BootWaitInput {
  node: WaltNode | undefined;
  name: string;
  /** "<namespace>/<WaltImage>", as status.bootedImage.name reads. */
  wanted: string;
  /** When the last boot was asked for (ms since the epoch); undefined while not visible yet. */
  requestedAt: number | undefined;
  /** Boots asked for so far, the first included (≥ 1). */
  attempts: number;
  timeoutMs: number;
  /** Hard reboots allowed after timeouts. */
  retries: number;
  now: number;
}

export type BootState =
  | { kind: 'ready'; ip?: string }
  | { kind: 'waiting'; recheckInMs: number }
  /** Timed out with retries left: hard-reboot it (attempt `attempts + 1`). */
  | { kind: 'retry'; message: string }
  | { kind: 'failed'; message: string };

/** Whether `node` runs `wanted`, booted at or after `requestedAt`, and is Ready. */
export function bootedAfter(node: WaltNode, wanted: string, requestedAt: number): boolean {
  return (
    isConditionTrue(node.status?.conditions, 'Ready') &&
    node.status?.bootedImage?.name === wanted &&
    bootedSince(node, requestedAt)
  );
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}

export function bootState(input: BootWaitInput): BootState {
  const { node, name, wanted, requestedAt, attempts, timeoutMs, retries, now } = input;
  if (!node) return { kind: 'failed', message: `WaltNode ${name} was deleted while the experiment held it` };
  if (requestedAt === undefined) return { kind: 'waiting', recheckInMs: 1000 };
  if (bootedAfter(node, wanted, requestedAt))
    return { kind: 'ready', ...(node.status?.ip ? { ip: node.status.ip } : {}) };
  const left = requestedAt + timeoutMs - now;
  if (left > 0) return { kind: 'waiting', recheckInMs: left };
  const what = `${name} did not boot ${wanted} within ${seconds(timeoutMs)} (attempt ${attempts} of ${retries + 1})`;
  if (attempts <= retries) return { kind: 'retry', message: `${what}: hard-rebooting it` };
  const seen = node.status?.message ? `; node says: ${node.status.message}` : '';
  return { kind: 'failed', message: `${what}${seen}` };
}
