// The life of one VM as a pure state machine: events in (power requests, timers, qemu spawned or
// exited), a new state and effects out (wait, spawn, quit, kill), which the supervisor carries out.
//
//   stopped --powerOn--> waiting --timer--> starting --spawned--> running
//   running --exit 0 (guest reboot: -no-reboot)--> waiting (bootDelay) / starting at once
//   running --any other exit--> waiting (back-off 1 s doubling to 60 s, + bootDelay)   [crash]
//   running --hardReset--> stopping (kill) --exited--> starting
//   running --powerOff--> stopping (QMP quit, kill after a grace) --exited--> stopped
// The crash count (hence the back-off) starts again after a run of resetAfterMs (5 min).

export type VmPhase = 'stopped' | 'waiting' | 'starting' | 'running' | 'stopping';
export type StartReason = 'power-on' | 'reboot' | 'crash' | 'reset';
export type ExitKind = 'reboot' | 'crash' | 'stop';

export interface VmExit {
  kind: ExitKind;
  code: number | null;
  signal: string | null;
  /** Why qemu could not start at all (then code and signal are null). */
  error?: string;
  /** qemu's last words on stderr, if any. */
  detail?: string;
  at: number;
  uptimeMs: number;
}

export interface VmState {
  phase: VmPhase;
  /** Powered on: exits lead to a restart. */
  wanted: boolean;
  /** A hard reset is under way: once qemu is gone, start again without back-off. */
  resetting: boolean;
  /** Consecutive crashes (runs shorter than resetAfterMs in a row). */
  crashes: number;
  starts: number;
  /** Why the current (or last) start happened. */
  reason?: StartReason;
  startedAt?: number;
  /** The start the supervisor is waiting for, and when it is due. */
  next?: { reason: StartReason; at: number };
  lastExit?: VmExit;
}

export type VmEvent =
  | { type: 'powerOn'; at: number }
  | { type: 'powerOff'; at: number }
  | { type: 'hardReset'; at: number }
  | { type: 'timer'; at: number }
  | { type: 'spawned'; at: number }
  | {
      type: 'exited';
      at: number;
      code: number | null;
      signal: string | null;
      error?: string;
      detail?: string;
    };

export type VmEffect =
  | { type: 'wait'; ms: number }
  | { type: 'cancelWait' }
  | { type: 'spawn'; reason: StartReason }
  /** Ask qemu to quit (QMP), kill its process group after a grace period. */
  | { type: 'quit' }
  /** Kill qemu's process group now. */
  | { type: 'kill' };

export interface RestartPolicy {
  bootDelayMs: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** A run at least this long forgets earlier crashes. */
  resetAfterMs: number;
}

export const DEFAULT_POLICY: RestartPolicy = {
  bootDelayMs: 0,
  initialBackoffMs: 1000,
  maxBackoffMs: 60_000,
  resetAfterMs: 5 * 60_000,
};

export interface Transition {
  state: VmState;
  effects: VmEffect[];
}

export function initialState(): VmState {
  return { phase: 'stopped', wanted: false, resetting: false, crashes: 0, starts: 0 };
}

/** Back-off before restarting after the `crashes`-th consecutive crash: 1 s, 2 s, 4 s … 60 s. */
export function crashBackoffMs(crashes: number, policy: RestartPolicy): number {
  const doublings = Math.min(Math.max(crashes - 1, 0), 30);
  return Math.min(policy.initialBackoffMs * 2 ** doublings, policy.maxBackoffMs);
}

function same(state: VmState): Transition {
  return { state, effects: [] };
}

/** A start after `delayMs`: at once (no timer) when there is no delay. */
function scheduleStart(state: VmState, reason: StartReason, delayMs: number, at: number): Transition {
  if (delayMs <= 0) {
    return {
      state: { ...state, phase: 'starting', reason, next: undefined },
      effects: [{ type: 'spawn', reason }],
    };
  }
  return {
    state: { ...state, phase: 'waiting', next: { reason, at: at + delayMs } },
    effects: [{ type: 'wait', ms: delayMs }],
  };
}

function exitOf(state: VmState, event: Extract<VmEvent, { type: 'exited' }>, kind: ExitKind): VmExit {
  return {
    kind,
    code: event.code,
    signal: event.signal,
    ...(event.error ? { error: event.error } : {}),
    ...(event.detail ? { detail: event.detail } : {}),
    at: event.at,
    uptimeMs: state.startedAt === undefined ? 0 : event.at - state.startedAt,
  };
}

/** qemu went away on its own (or never started): a reboot, a crash, or the end when powered off. */
function onExit(
  state: VmState,
  event: Extract<VmEvent, { type: 'exited' }>,
  policy: RestartPolicy,
): Transition {
  const clean = event.code === 0 && !event.error;
  const exit = exitOf(state, event, clean ? 'reboot' : 'crash');
  const base = { ...state, startedAt: undefined, lastExit: exit };
  if (!state.wanted) return same({ ...base, phase: 'stopped', lastExit: { ...exit, kind: 'stop' } });
  const earlier = exit.uptimeMs >= policy.resetAfterMs ? 0 : state.crashes;
  if (clean) return scheduleStart({ ...base, crashes: earlier }, 'reboot', policy.bootDelayMs, event.at);
  const crashes = earlier + 1;
  const delay = crashBackoffMs(crashes, policy) + policy.bootDelayMs;
  return scheduleStart({ ...base, crashes }, 'crash', delay, event.at);
}

/** qemu went away after we asked it to: stopped, or started again (reset, or powered on meanwhile). */
function onStopped(
  state: VmState,
  event: Extract<VmEvent, { type: 'exited' }>,
  policy: RestartPolicy,
): Transition {
  const exit = exitOf(state, event, 'stop');
  const base = { ...state, startedAt: undefined, lastExit: exit, resetting: false };
  if (state.resetting) return scheduleStart(base, 'reset', policy.bootDelayMs, event.at);
  if (state.wanted) return scheduleStart(base, 'power-on', policy.bootDelayMs, event.at);
  return same({ ...base, phase: 'stopped' });
}

function fromStopped(state: VmState, event: VmEvent, policy: RestartPolicy): Transition {
  if (event.type !== 'powerOn' && event.type !== 'hardReset') return same(state);
  const reason = event.type === 'powerOn' ? 'power-on' : 'reset';
  return scheduleStart({ ...state, wanted: true, crashes: 0 }, reason, policy.bootDelayMs, event.at);
}

function fromWaiting(state: VmState, event: VmEvent): Transition {
  switch (event.type) {
    case 'timer': {
      const reason = state.next?.reason ?? 'power-on';
      return {
        state: { ...state, phase: 'starting', reason, next: undefined },
        effects: [{ type: 'spawn', reason }],
      };
    }
    case 'powerOff':
      return {
        state: { ...state, phase: 'stopped', wanted: false, next: undefined },
        effects: [{ type: 'cancelWait' }],
      };
    case 'hardReset':
      // "Restart now": skip what remains of a back-off or boot delay.
      return {
        state: { ...state, phase: 'starting', reason: 'reset', next: undefined },
        effects: [{ type: 'cancelWait' }, { type: 'spawn', reason: 'reset' }],
      };
    default:
      return same(state);
  }
}

function fromStarting(state: VmState, event: VmEvent, policy: RestartPolicy): Transition {
  switch (event.type) {
    case 'spawned': {
      const running = { ...state, phase: 'running' as const, startedAt: event.at, starts: state.starts + 1 };
      // Powered off while qemu was being started: stop it now that it can be asked to.
      if (!state.wanted) return { state: { ...running, phase: 'stopping' }, effects: [{ type: 'quit' }] };
      return same(running);
    }
    case 'exited':
      return onExit(state, event, policy);
    case 'powerOff':
      return same({ ...state, wanted: false });
    case 'powerOn':
      return same({ ...state, wanted: true });
    default:
      return same(state); // a reset while starting: the start under way is the reset
  }
}

function fromRunning(state: VmState, event: VmEvent, policy: RestartPolicy): Transition {
  switch (event.type) {
    case 'exited':
      return onExit(state, event, policy);
    case 'powerOff':
      return { state: { ...state, phase: 'stopping', wanted: false }, effects: [{ type: 'quit' }] };
    case 'hardReset':
      return { state: { ...state, phase: 'stopping', resetting: true }, effects: [{ type: 'kill' }] };
    default:
      return same(state);
  }
}

function fromStopping(state: VmState, event: VmEvent, policy: RestartPolicy): Transition {
  switch (event.type) {
    case 'exited':
      return onStopped(state, event, policy);
    case 'powerOn':
      return same({ ...state, wanted: true });
    case 'powerOff':
      return same({ ...state, wanted: false, resetting: false });
    case 'hardReset':
      // A reset while a graceful quit is under way: do not wait for the grace period.
      return { state: { ...state, wanted: true, resetting: true }, effects: [{ type: 'kill' }] };
    default:
      return same(state);
  }
}

export function transition(
  state: VmState,
  event: VmEvent,
  policy: RestartPolicy = DEFAULT_POLICY,
): Transition {
  switch (state.phase) {
    case 'stopped':
      return fromStopped(state, event, policy);
    case 'waiting':
      return fromWaiting(state, event);
    case 'starting':
      return fromStarting(state, event, policy);
    case 'running':
      return fromRunning(state, event, policy);
    case 'stopping':
      return fromStopping(state, event, policy);
  }
}

/** What a transition means to the outside world (logs, metrics, events, status). */
export type VmNotice =
  | { kind: 'started'; reason: StartReason }
  | { kind: 'rebooted'; exit: VmExit }
  | { kind: 'crashed'; exit: VmExit; restartInMs: number }
  | { kind: 'stopped' };

function exitNotice(event: VmEvent, after: VmState): VmNotice | undefined {
  const exit = after.lastExit;
  if (event.type !== 'exited' || !exit) return undefined;
  if (exit.kind === 'reboot') return { kind: 'rebooted', exit };
  if (exit.kind !== 'crash') return undefined;
  return { kind: 'crashed', exit, restartInMs: Math.max(0, (after.next?.at ?? event.at) - event.at) };
}

export function noticeOf(before: VmState, event: VmEvent, after: VmState): VmNotice | undefined {
  if (event.type === 'spawned') return { kind: 'started', reason: after.reason ?? 'power-on' };
  if (after.phase === 'stopped' && before.phase !== 'stopped') return { kind: 'stopped' };
  return exitNotice(event, after);
}
