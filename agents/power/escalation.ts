// WalT's reboot escalation for nodes powered from outside (PoE, webhook), as pure decisions. A reboot
// (a user's request, an experiment's, an image change) is first soft — a reboot command through the
// node's command channel, when the node is connected to it — else, or with `--hard`, a power cycle
// through the node's driver. A soft reboot the node refuses (or cannot get: not connected) falls back
// to the power cycle at once, as WalT's reboot workflow does. Then the boot watchdog: when no bootup
// comes within settings.bootTimeout seconds of the attempt's start (0: wait forever), the node is
// power-cycled again, up to settings.bootRetries times; after the last one times out too, the node is
// Failed. The state is status.reboot (cause, method, startedAt, hardReboots, outcome), written before
// each action, so an agent that restarts carries on where the last one was and never acts twice for
// one cause. The I/O is in escalator.ts.
import { bootedSince } from '../../api/node/index.js';
import type { WaltNode, WaltNodeStatus } from '../../api/v1alpha1/index.js';

/** WalT's defaults (boot.timeout 180 s, boot.retries 9), also the schema's: used when a spec has none. */
export const DEFAULT_BOOT_TIMEOUT_SECONDS = 180;
export const DEFAULT_BOOT_RETRIES = 9;

export type RebootState = NonNullable<WaltNodeStatus['reboot']>;
export type RebootMethod = RebootState['method'];

/** What asked for a reboot: `cause` names the request once and for all (e.g. "request <time>"). */
export interface RebootAsk {
  cause: string;
  hardOnly: boolean;
}

export type StartDecision = { act: 'skip'; why: 'AlreadyStarted' } | { act: RebootMethod };

/** How to begin a reboot for `ask` (pure): skip a cause already started, else soft when the node can hear it. */
export function decideStart(node: WaltNode, ask: RebootAsk, connected: boolean): StartDecision {
  if (node.status?.reboot?.cause === ask.cause) return { act: 'skip', why: 'AlreadyStarted' };
  return { act: ask.hardOnly || !connected ? 'hard' : 'soft' };
}

/** The state of a reboot attempt that begins now (pure). */
export function startedState(cause: string, method: RebootMethod, now: Date, hardReboots = 0): RebootState {
  return { cause, method, startedAt: now.toISOString(), hardReboots, outcome: 'Waiting' };
}

export interface BootWatchSettings {
  timeoutMs: number | undefined;
  retries: number;
}

/** bootTimeout and bootRetries of the node, with WalT's defaults; timeoutMs undefined: wait forever. */
export function bootWatchSettings(node: WaltNode): BootWatchSettings {
  const timeout = node.spec.settings?.bootTimeout ?? DEFAULT_BOOT_TIMEOUT_SECONDS;
  return {
    timeoutMs: timeout === 0 ? undefined : timeout * 1000,
    retries: node.spec.settings?.bootRetries ?? DEFAULT_BOOT_RETRIES,
  };
}

export type WatchDecision =
  | { act: 'none' }
  | { act: 'booted' }
  | { act: 'wait'; afterMs: number | undefined }
  | { act: 'hard'; attempt: number; of: number }
  | { act: 'fail'; hardReboots: number; timeoutMs: number };

/** What the boot watchdog does about `node` at `now` (pure). */
export function decideWatch(node: WaltNode, now: number): WatchDecision {
  const state = node.status?.reboot;
  if (state?.outcome !== 'Waiting') return { act: 'none' };
  const startedAt = Date.parse(state.startedAt);
  if (bootedSince(node, startedAt)) return { act: 'booted' };
  const { timeoutMs, retries } = bootWatchSettings(node);
  if (timeoutMs === undefined) return { act: 'wait', afterMs: undefined };
  const left = startedAt + timeoutMs - now;
  if (left > 0) return { act: 'wait', afterMs: left };
  if (state.hardReboots >= retries) return { act: 'fail', hardReboots: state.hardReboots, timeoutMs };
  return { act: 'hard', attempt: state.hardReboots + 1, of: retries };
}

/** The state after the watchdog's decision (pure); undefined when it does not change. */
export function watchedState(
  state: RebootState,
  decision: WatchDecision,
  now: Date,
): RebootState | undefined {
  switch (decision.act) {
    case 'booted':
      return { ...state, outcome: 'Booted' };
    case 'fail':
      return { ...state, outcome: 'Failed' };
    case 'hard':
      return startedState(state.cause, 'hard', now, decision.attempt);
    default:
      return undefined;
  }
}

export type SoftOutcome = 'sent' | 'refused' | 'noAnswer';

/**
 * After a soft attempt (pure): a refusal (not connected, command failed) goes hard at once, as WalT
 * falls back to PoE; sent, or no answer (the node may still get it: a frozen node holds its poll), waits
 * for the bootup, and the watchdog goes hard after bootTimeout.
 */
export function afterSoft(outcome: SoftOutcome): 'wait' | 'hard' {
  return outcome === 'refused' ? 'hard' : 'wait';
}
