// The I/O of the reboot escalation (escalation.ts decides): soft reboots through the node's command
// channel, power cycles through the node's driver, the state in status.reboot and the Reboot and
// Powered conditions (one field manager: power-status.ts), Events when the watchdog acts. Each state
// is written before the action it stands for, guarded by the object's resourceVersion and decided
// again on the freshest object, so neither a stale cache nor an agent restart acts twice for one cause.
import type * as k8s from '@kubernetes/client-node';
import { POWERED_CONDITION } from '../../api/node/index.js';
import { RESOURCES, type WaltNode } from '../../api/v1alpha1/index.js';
import type { Logger } from '../../common/logger.js';
import { createStatusWriter, type ObjectEvents, type StatusWriter } from '../../runtime/index.js';
import type { PowerDriver } from './driver.js';
import {
  afterSoft,
  decideStart,
  decideWatch,
  startedState,
  watchedState,
  type RebootAsk,
  type RebootMethod,
  type RebootState,
  type SoftOutcome,
} from './escalation.js';
import { poweredCondition, powerStatus, rebootCondition } from './power-status.js';

/** What the escalation needs of the command channel. */
export interface SoftRebootChannel {
  connected(node: string): boolean;
  softReboot(node: string): Promise<SoftOutcome>;
}

export interface EscalatorOptions {
  kc: k8s.KubeConfig;
  segment: string;
  power: Pick<PowerDriver, 'hardReboot'>;
  channel: SoftRebootChannel;
  logger: Logger;
  /** Default: server-side apply with the field manager of the power controller. */
  writer?: StatusWriter<WaltNode>;
  /** Default: server-side apply of phase Failed with the field manager walt-agent-<segment>-power-failed. */
  failedWriter?: StatusWriter<WaltNode>;
  now?: () => Date;
}

export interface Escalator {
  /** Begins a reboot for `ask`; resolves how ('skip': this cause was started before), rejects on a driver failure. */
  start(node: WaltNode, ask: RebootAsk): Promise<RebootMethod | 'skip'>;
  /** The boot watchdog: acts on the node's state; resolves in how many ms to look again (undefined: on a change). */
  watch(node: WaltNode, events: ObjectEvents): Promise<number | undefined>;
  /** Sets Powered NotObserved on a node that has no Powered condition yet. */
  observe(node: WaltNode): Promise<void>;
}

/** The field manager of the power controller (physical-controller.ts) and of this escalator. */
export function powerFieldManager(segment: string): string {
  return `walt-agent-${segment}-power`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function createEscalator(options: EscalatorOptions): Escalator {
  const writer =
    options.writer ??
    createStatusWriter<WaltNode>({
      kc: options.kc,
      resource: RESOURCES.node,
      fieldManager: powerFieldManager(options.segment),
      logger: options.logger,
    });
  const failedWriter =
    options.failedWriter ??
    createStatusWriter<WaltNode>({
      kc: options.kc,
      resource: RESOURCES.node,
      fieldManager: `${powerFieldManager(options.segment)}-failed`,
      logger: options.logger,
    });
  const now = options.now ?? (() => new Date());
  const log = (node: WaltNode): Logger => options.logger.child({ node: node.metadata.name });

  /**
   * Writes `state` unless the fresh object says another process got there first; resolves the written
   * object, or undefined. Every write of this module is guarded: an update is always computed from
   * the object as stored (a stale cache would write an old state back).
   */
  async function claim(
    node: WaltNode,
    state: RebootState,
    still: (fresh: WaltNode) => boolean,
  ): Promise<WaltNode | undefined> {
    let mine = true;
    const written = await writer.apply(
      node,
      (fresh) => {
        mine = still(fresh);
        return mine
          ? powerStatus(fresh, { state, reboot: rebootCondition(fresh, state) }, now())
          : powerStatus(fresh, {}, now());
      },
      { guard: true },
    );
    return mine ? written : undefined;
  }

  /** A power cycle for `state`, already claimed in `node` (the written object): records what the driver did. */
  async function cycle(node: WaltNode, state: RebootState): Promise<void> {
    const error = await options.power.hardReboot(node).then(
      () => undefined,
      (e: unknown) => e,
    );
    const detail = error === undefined ? undefined : messageOf(error);
    if (error === undefined)
      log(node).info({ cause: state.cause, attempt: state.hardReboots }, 'node power-cycled');
    else log(node).warn({ err: error, cause: state.cause }, 'could not power-cycle the node');
    await writer.apply(
      node,
      (fresh) =>
        powerStatus(
          fresh,
          {
            reboot: rebootCondition(fresh, fresh.status?.reboot ?? state, detail),
            powered: poweredCondition(fresh, error === undefined ? 'cycled' : 'failed', detail),
          },
          now(),
        ),
      { guard: true },
    );
    if (error !== undefined) throw error instanceof Error ? error : new Error(detail);
  }

  async function hard(
    node: WaltNode,
    cause: string,
    hardReboots: number,
    still: (f: WaltNode) => boolean,
  ): Promise<boolean> {
    const state = startedState(cause, 'hard', now(), hardReboots);
    const written = await claim(node, state, still);
    if (!written) return false;
    await cycle(written, state);
    return true;
  }

  return {
    async start(node, ask) {
      const name = node.metadata.name;
      const first = decideStart(node, ask, options.channel.connected(name));
      if (first.act === 'skip') return 'skip';
      const fresh = (f: WaltNode): boolean => decideStart(f, ask, true).act !== 'skip';
      if (first.act === 'hard') return (await hard(node, ask.cause, 0, fresh)) ? 'hard' : 'skip';
      const state = startedState(ask.cause, 'soft', now());
      const written = await claim(node, state, fresh);
      if (!written) return 'skip';
      const outcome = await options.channel.softReboot(name);
      log(node).info({ cause: ask.cause, outcome }, 'soft reboot through the command channel');
      if (afterSoft(outcome) === 'wait') return 'soft';
      // Refused: WalT's fallback, a power cycle at once (same cause, still the first attempt).
      const same = (f: WaltNode): boolean =>
        f.status?.reboot?.cause === ask.cause && f.status.reboot.method === 'soft';
      await hard(written, ask.cause, 0, same);
      return 'hard';
    },

    async watch(node, events) {
      const decision = decideWatch(node, now().getTime());
      if (decision.act === 'none') return undefined;
      if (decision.act === 'wait') return decision.afterMs;
      const state = node.status!.reboot!;
      const next = watchedState(state, decision, now())!;
      if (decision.act === 'hard') {
        const startedAt = state.startedAt;
        const same = (f: WaltNode): boolean =>
          f.status?.reboot?.startedAt === startedAt && decideWatch(f, now().getTime()).act === 'hard';
        const claimed = startedState(state.cause, 'hard', now(), decision.attempt);
        const written = await claim(node, claimed, same);
        if (!written) return undefined; // another reconcile (or agent) did it: its write brings a reconcile
        await events.warning(
          'BootTimeout',
          `${state.cause}: no bootup in time; power-cycling (retry ${decision.attempt} of ${decision.of})`,
          'PowerCycle',
        );
        await cycle(written, claimed).catch(() => undefined);
        return undefined;
      }
      const powered = decision.act === 'booted' ? poweredCondition(node, 'booted') : undefined;
      let still = true;
      await writer.apply(
        node,
        (fresh) => {
          still =
            fresh.status?.reboot?.startedAt === state.startedAt &&
            decideWatch(fresh, now().getTime()).act === decision.act;
          if (!still) return powerStatus(fresh, {}, now());
          return powerStatus(
            fresh,
            { state: next, reboot: rebootCondition(fresh, next), ...(powered ? { powered } : {}) },
            now(),
          );
        },
        { guard: true },
      );
      if (!still) return undefined;
      if (decision.act === 'fail') {
        const note = rebootCondition(node, next).message;
        log(node).warn({ cause: state.cause }, note);
        // Its own field manager: the phase is also written by the bootup and down recorders.
        await failedWriter.apply(node, { phase: 'Failed', message: note });
        await events.warning('BootFailed', note, 'PowerCycle');
      }
      return undefined;
    },

    async observe(node) {
      if (node.status?.conditions?.some((c) => c.type === POWERED_CONDITION)) return;
      await writer.apply(
        node,
        (fresh) =>
          fresh.status?.conditions?.some((c) => c.type === POWERED_CONDITION)
            ? powerStatus(fresh, {}, now())
            : powerStatus(fresh, { powered: poweredCondition(fresh, 'unobserved') }, now()),
        { guard: true },
      );
    },
  };
}
