// The command channel's state, pure (ADR 0008): per node, a FIFO of commands waiting for the node, the
// node's long polls waiting for a command, and the commands in flight with their deadlines. Time comes
// from an injected clock; deadlines and lost channels are acted on by sweep(), which the service calls
// every second. A node is connected while it polls: a poll waiting now, or one seen within the channel
// timeout (the loop polls again at once after every answer). Polls and bootup notifications may name
// the node's boot (the kernel's boot_id): what belongs to another boot of the node is stale.
// A caller may name its command (an idempotency key): submitting that id again attaches to the same
// command instead of running it twice, and a finished command's outcome is kept for a bounded time and
// count so that a caller that lost its connection (or restarted) can attach to it afterwards. A
// running command can be cancelled: the node is told at its next poll, ends the command's group (TERM,
// KILL after a grace) and reports how it ended; the command's callers learn that ending, or, when the
// node says nothing within the grace and the slack, that the cancel was not confirmed.
import { randomBytes } from 'node:crypto';
import {
  COMMAND_CANCEL_KILL_SECONDS,
  COMMAND_CHANNEL_TIMEOUT_SECONDS,
  COMMAND_RESULT_KEEP_SECONDS,
} from '../../api/agent/v1.js';
import { ChannelStopped, NodeNotConnected } from './errors.js';

/** What a node is given: a command's id and the sh script to run, or the id of a command to kill. */
export type Dispatch = { id: string; script: string } | { id: string; cancel: true };

export interface CommandSpec<R> {
  /** The sh script, its first line "#walt:timeout=<s>" (see scripts.ts). */
  script: string;
  /** How long the command may run once the node has it. */
  timeoutMs: number;
  /** How long to wait for a node that is not connected (0: fail at once). */
  connectTimeoutMs?: number;
  /** The caller's id for it (idempotency key); default a fresh random id. */
  id?: string;
  /**
   * Runs once when the command ends, before anyone attached sees the outcome (metrics, storing the
   * output): attaching twice does not do it twice. What it returns is the outcome everyone sees (to
   * say what settling did), nothing: the outcome as it was. It must not throw.
   */
  settle?: (outcome: Outcome<R>) => Promise<Outcome<R> | void>;
}

export type Outcome<R> =
  /** The node ran it and sent `result`. */
  | { kind: 'finished'; result: R; durationMs: number }
  /** The node did not answer before the deadline. */
  | { kind: 'timedOut'; durationMs: number }
  /** The node was not connected in time, or its channel was lost with the command queued or running. */
  | { kind: 'lost'; reason: 'notConnected' | 'channelLost' | 'stopped' }
  /**
   * A caller cancelled it. `ended`: it had started, and the node reported how the kill ended it.
   * `unconfirmed`: it had started, and the node did not report within the kill grace and the slack (or
   * rebooted, or its channel was lost). Neither: it was cancelled before the node took it.
   */
  | { kind: 'cancelled'; ended?: { result: R; durationMs: number }; unconfirmed?: true };

export interface Submitted<R> {
  id: string;
  outcome: Promise<Outcome<R>>;
  /** The id was known: this is the command submitted before, not a new one. */
  attached: boolean;
}

/** Where a command was when cancel() was called. */
export type CancelResult = 'pending' | 'running' | 'finished';

export interface Cancelled<R> {
  was: CancelResult;
  /** The command's outcome: for a running one, once the node confirmed the kill (or did not in time). */
  outcome: Promise<Outcome<R>>;
}

export interface CommandQueueOptions {
  now?: () => number;
  /** A node not seen for this long is disconnected (default COMMAND_CHANNEL_TIMEOUT_SECONDS). */
  channelTimeoutMs?: number;
  /** Slack after a command's own timeout before the agent gives up on the node's answer (default 15 s). */
  graceMs?: number;
  /** Commands one node runs at the same time (default 8); the others wait in its queue. */
  maxInFlight?: number;
  newId?: () => string;
  /** How long a finished command's outcome stays attachable (default 15 min). */
  keepFinishedMs?: number;
  /** How many finished outcomes are kept at most, the oldest dropped first (default 4096). */
  keepFinishedCount?: number;
}

export type ConnectionListener = (node: string, connected: boolean) => void;

interface Entry<R> {
  id: string;
  node: string;
  spec: CommandSpec<R>;
  submittedAt: number;
  /** Pending only: fail as notConnected if the node has not connected by then. */
  connectBy?: number;
  dispatchedAt?: number;
  /** Running, and a caller cancelled it: the node was (or will be) told to kill it. */
  cancelledAt?: number;
  /** The boot of the node whose poll took it (once dispatched, when the poll named it). */
  bootId?: string;
  deadline: number;
  resolve: (outcome: Outcome<R>) => void;
  outcome: Promise<Outcome<R>>;
}

interface Finished<R> {
  outcome: Promise<Outcome<R>>;
  at: number;
}

interface Waiter {
  bootId: string | undefined;
  resolve: (dispatch: Dispatch | undefined) => void;
}

interface NodeState<R> {
  pending: Entry<R>[];
  inFlight: Map<string, Entry<R>>;
  waiters: Waiter[];
  /** Ids of commands the node runs that it must kill (told at its next poll). */
  cancels: string[];
  lastSeen?: number;
  /** The node's boot, as its latest poll or bootup notification named it. */
  bootId?: string;
  /** As last reported to the listeners. */
  reported: boolean;
}

const DEFAULT_GRACE_MS = 15_000;
const KILL_MS = COMMAND_CANCEL_KILL_SECONDS * 1000;
const DEFAULT_MAX_IN_FLIGHT = 8;
const DEFAULT_KEEP_FINISHED_MS = COMMAND_RESULT_KEEP_SECONDS * 1000;
const DEFAULT_KEEP_FINISHED_COUNT = 4096;

const keyOf = (node: string, id: string): string => `${node}/${id}`;

export class CommandQueue<R> {
  private readonly nodes = new Map<string, NodeState<R>>();
  private readonly listeners: ConnectionListener[] = [];
  private readonly now: () => number;
  private readonly channelTimeoutMs: number;
  private readonly graceMs: number;
  private readonly maxInFlight: number;
  private readonly newId: () => string;
  private readonly keepFinishedMs: number;
  private readonly keepFinishedCount: number;
  /** Outcomes of ended commands by "<node>/<id>", oldest first. */
  private readonly finished = new Map<string, Finished<R>>();
  private stopped = false;

  constructor(options: CommandQueueOptions = {}) {
    this.now = options.now ?? Date.now;
    this.channelTimeoutMs = options.channelTimeoutMs ?? COMMAND_CHANNEL_TIMEOUT_SECONDS * 1000;
    this.graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
    this.maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    this.newId = options.newId ?? (() => randomBytes(8).toString('hex'));
    this.keepFinishedMs = options.keepFinishedMs ?? DEFAULT_KEEP_FINISHED_MS;
    this.keepFinishedCount = options.keepFinishedCount ?? DEFAULT_KEEP_FINISHED_COUNT;
  }

  onConnectionChange(listener: ConnectionListener): void {
    this.listeners.push(listener);
  }

  /** The node polled within the channel timeout, or is polling now. */
  connected(node: string): boolean {
    const state = this.nodes.get(node);
    if (!state) return false;
    if (state.waiters.length > 0) return true;
    return state.lastSeen !== undefined && this.now() - state.lastSeen < this.channelTimeoutMs;
  }

  /** Nodes connected now. */
  connectedNodes(): string[] {
    return [...this.nodes.keys()].filter((node) => this.connected(node));
  }

  /**
   * Queues a command for `node`; throws NodeNotConnected when it is not connected and may not wait.
   * With `spec.id` of a command queued, running or finished (and still kept): that command, attached.
   */
  submit(node: string, spec: CommandSpec<R>): Submitted<R> {
    if (this.stopped) throw ChannelStopped();
    if (spec.id !== undefined) {
      const known = this.attach(node, spec.id);
      if (known) return { id: spec.id, outcome: known, attached: true };
    }
    const connectTimeoutMs = spec.connectTimeoutMs ?? 0;
    const isConnected = this.connected(node);
    if (!isConnected && connectTimeoutMs <= 0) throw NodeNotConnected(node);
    const now = this.now();
    const id = spec.id ?? this.newId();
    let settled!: (outcome: Outcome<R>) => void;
    const ended = new Promise<Outcome<R>>((r) => (settled = r));
    const outcome = ended.then(async (o) => (await spec.settle?.(o)) ?? o);
    const entry: Entry<R> = {
      id,
      node,
      spec,
      submittedAt: now,
      deadline: now + (isConnected ? 0 : connectTimeoutMs) + spec.timeoutMs + this.graceMs,
      outcome,
      resolve: (o) => {
        this.retain(node, id, outcome);
        settled(o);
      },
      ...(isConnected ? {} : { connectBy: now + connectTimeoutMs }),
    };
    this.state(node).pending.push(entry);
    this.pump(node);
    return { id, outcome, attached: false };
  }

  /** The outcome of command `id` of `node`: queued, running, or finished and still kept; else undefined. */
  attach(node: string, id: string): Promise<Outcome<R>> | undefined {
    const state = this.nodes.get(node);
    const live = state?.inFlight.get(id) ?? state?.pending.find((entry) => entry.id === id);
    return live?.outcome ?? this.finished.get(keyOf(node, id))?.outcome;
  }

  /**
   * Cancels command `id` of `node`: a queued one never runs (outcome cancelled at once); the node is told
   * to kill a running one at its next poll, and its outcome waits for the node's report of the kill (at
   * most the kill grace plus the slack). Cancelling a command being cancelled waits for the same outcome.
   * Undefined when the id is unknown.
   */
  cancel(node: string, id: string): Cancelled<R> | undefined {
    const state = this.nodes.get(node);
    const index = state?.pending.findIndex((entry) => entry.id === id) ?? -1;
    if (state && index >= 0) {
      const entry = state.pending.splice(index, 1)[0] as Entry<R>;
      entry.resolve({ kind: 'cancelled' });
      return { was: 'pending', outcome: entry.outcome };
    }
    const running = state?.inFlight.get(id);
    if (state && running) {
      if (running.cancelledAt === undefined) {
        running.cancelledAt = this.now();
        running.deadline = Math.min(running.deadline, running.cancelledAt + KILL_MS + this.graceMs);
        state.cancels.push(id);
        this.pump(node);
      }
      return { was: 'running', outcome: running.outcome };
    }
    const done = this.finished.get(keyOf(node, id));
    return done ? { was: 'finished', outcome: done.outcome } : undefined;
  }

  /**
   * A node's long poll: the next command for it, or undefined when `signal` aborts first (the poll's
   * wait is over, or the client went away). `bootId` names the boot the polling loop runs in.
   */
  poll(node: string, signal: AbortSignal, bootId?: string): Promise<Dispatch | undefined> {
    if (this.stopped) return Promise.resolve(undefined);
    this.seen(node);
    const state = this.state(node);
    // A poll from a new boot may come before its bootup notification.
    if (bootId !== undefined && bootId !== state.bootId) this.dropOtherBoots(state, bootId);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        bootId,
        resolve: (dispatch) => {
          signal.removeEventListener('abort', onAbort);
          resolve(dispatch);
        },
      };
      const onAbort = (): void => {
        const index = state.waiters.indexOf(waiter);
        if (index >= 0) state.waiters.splice(index, 1);
        this.seen(node);
        resolve(undefined);
      };
      if (signal.aborted) return resolve(undefined);
      signal.addEventListener('abort', onAbort, { once: true });
      // A node's loop polls once at a time: an older poll still waiting is from before a reboot or a
      // network cut, its connection dead but not closed (a hard-reset VM sends no FIN). A command
      // handed to it would be lost, so the newest poll supersedes it.
      for (const stale of state.waiters.splice(0)) stale.resolve(undefined);
      state.waiters.push(waiter);
      this.pump(node);
    });
  }

  /** The node's result of command `id`; false when no such command is in flight (e.g. timed out). */
  complete(node: string, id: string, result: R): boolean {
    const state = this.nodes.get(node);
    const entry = state?.inFlight.get(id);
    if (!state || !entry) return false;
    this.seen(node);
    state.inFlight.delete(id);
    const ended = { result, durationMs: this.now() - (entry.dispatchedAt ?? 0) };
    // A command cancelled while it ran ends as cancelled, even when it finished on its own meanwhile.
    entry.resolve(
      entry.cancelledAt === undefined ? { kind: 'finished', ...ended } : { kind: 'cancelled', ended },
    );
    this.pump(node);
    return true;
  }

  /**
   * The node booted (boot `bootId` when it says): commands it was running in another boot are gone
   * (they fail as channelLost), polls from another boot are stale; pending commands wait for this
   * boot's loop. Without a boot id everything from before counts as another boot. Call it before the
   * node is shown Ready, so that no command sent then goes to a poll of the previous boot.
   */
  rebooted(node: string, bootId?: string): void {
    const state = this.nodes.get(node);
    if (state) this.dropOtherBoots(state, bootId);
  }

  /** Acts on the clock: commands past their deadline, nodes not connected in time, channels lost. */
  sweep(): void {
    const now = this.now();
    for (const [node, state] of this.nodes) {
      this.sweepNode(node, state, now);
      if (this.isIdle(state)) this.nodes.delete(node);
    }
    for (const [key, done] of this.finished) {
      if (now - done.at < this.keepFinishedMs) break;
      this.finished.delete(key);
    }
  }

  /**
   * Serves again after stop() (the agent leads the segment again after losing its Lease): new
   * commands and polls are taken; what stop() failed stays failed.
   */
  resume(): void {
    this.stopped = false;
  }

  /** Fails every command and ends every poll (the agent is stopping, or no longer leads). */
  stop(): void {
    this.stopped = true;
    for (const state of this.nodes.values()) {
      for (const waiter of state.waiters.splice(0)) waiter.resolve(undefined);
      this.failAll(state, 'stopped');
    }
  }

  private sweepNode(node: string, state: NodeState<R>, now: number): void {
    const isConnected = this.connected(node);
    if (state.reported && !isConnected) {
      state.reported = false;
      this.failAll(state, 'channelLost');
      this.emit(node, false);
      return;
    }
    state.pending = state.pending.filter((entry) => {
      if (entry.connectBy !== undefined && now >= entry.connectBy && !isConnected) {
        entry.resolve({ kind: 'lost', reason: 'notConnected' });
        return false;
      }
      return !this.expire(entry, now);
    });
    for (const entry of state.inFlight.values()) {
      if (this.expire(entry, now)) state.inFlight.delete(entry.id);
    }
  }

  private expire(entry: Entry<R>, now: number): boolean {
    if (now < entry.deadline) return false;
    // The node did not confirm the kill in time: cancelled, unconfirmed.
    if (entry.cancelledAt !== undefined) entry.resolve({ kind: 'cancelled', unconfirmed: true });
    else entry.resolve({ kind: 'timedOut', durationMs: now - (entry.dispatchedAt ?? entry.submittedAt) });
    return true;
  }

  private dropOtherBoots(state: NodeState<R>, bootId: string | undefined): void {
    const other = (owner: string | undefined): boolean => bootId === undefined || owner !== bootId;
    state.bootId = bootId;
    // The commands to kill ran in the other boot: they are gone with it.
    state.cancels = [];
    for (const stale of state.waiters.filter((waiter) => other(waiter.bootId))) {
      state.waiters.splice(state.waiters.indexOf(stale), 1);
      stale.resolve(undefined);
    }
    for (const entry of state.inFlight.values()) {
      if (!other(entry.bootId)) continue;
      state.inFlight.delete(entry.id);
      this.lose(entry, 'channelLost');
    }
  }

  /** Fails `entry` as lost; one being cancelled ends as cancelled (unconfirmed): it was asked to end. */
  private lose(entry: Entry<R>, reason: 'channelLost' | 'stopped'): void {
    entry.resolve(
      entry.cancelledAt === undefined ? { kind: 'lost', reason } : { kind: 'cancelled', unconfirmed: true },
    );
  }

  private failAll(state: NodeState<R>, reason: 'channelLost' | 'stopped'): void {
    for (const entry of [...state.pending, ...state.inFlight.values()]) this.lose(entry, reason);
    state.pending = [];
    state.inFlight.clear();
    state.cancels = [];
  }

  /** Keeps the outcome of an ended command attachable, within the bounds. */
  private retain(node: string, id: string, outcome: Promise<Outcome<R>>): void {
    const key = keyOf(node, id);
    this.finished.delete(key);
    this.finished.set(key, { outcome, at: this.now() });
    while (this.finished.size > this.keepFinishedCount) {
      this.finished.delete(this.finished.keys().next().value as string);
    }
  }

  private pump(node: string): void {
    const state = this.state(node);
    // Kills first, and outside the in-flight limit: they free a slot on the node.
    while (state.cancels.length > 0 && state.waiters.length > 0) {
      const id = state.cancels.shift() as string;
      (state.waiters.shift() as Waiter).resolve({ id, cancel: true });
      state.lastSeen = this.now();
    }
    while (state.pending.length > 0 && state.waiters.length > 0 && state.inFlight.size < this.maxInFlight) {
      const entry = state.pending.shift() as Entry<R>;
      const waiter = state.waiters.shift() as Waiter;
      const now = this.now();
      entry.dispatchedAt = now;
      if (waiter.bootId !== undefined) entry.bootId = waiter.bootId;
      delete entry.connectBy;
      entry.deadline = Math.max(entry.deadline, now + entry.spec.timeoutMs + this.graceMs);
      state.inFlight.set(entry.id, entry);
      // Answering a poll counts as seeing the node: it polls again right after.
      state.lastSeen = now;
      waiter.resolve({ id: entry.id, script: entry.spec.script });
    }
  }

  private seen(node: string): void {
    const state = this.state(node);
    state.lastSeen = this.now();
    if (state.reported) return;
    state.reported = true;
    this.emit(node, true);
  }

  private emit(node: string, connected: boolean): void {
    for (const listener of this.listeners) listener(node, connected);
  }

  private state(node: string): NodeState<R> {
    let state = this.nodes.get(node);
    if (!state) {
      state = { pending: [], inFlight: new Map(), waiters: [], cancels: [], reported: false };
      this.nodes.set(node, state);
    }
    return state;
  }

  private isIdle(state: NodeState<R>): boolean {
    return (
      !state.reported &&
      state.pending.length === 0 &&
      state.inFlight.size === 0 &&
      state.waiters.length === 0 &&
      state.cancels.length === 0
    );
  }
}
