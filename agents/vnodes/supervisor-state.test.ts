import {
  crashBackoffMs,
  DEFAULT_POLICY,
  initialState,
  noticeOf,
  transition,
  type RestartPolicy,
  type VmEffect,
  type VmEvent,
  type VmState,
} from './supervisor-state.js';

/** Runs events from the initial state; returns the last state and every effect in order. */
function run(events: VmEvent[], policy: RestartPolicy = DEFAULT_POLICY, from: VmState = initialState()) {
  let state = from;
  const effects: VmEffect[] = [];
  for (const event of events) {
    const next = transition(state, event, policy);
    state = next.state;
    effects.push(...next.effects);
  }
  return { state, effects };
}

const exited = (
  at: number,
  code: number | null,
  signal: string | null = null,
): Extract<VmEvent, { type: 'exited' }> => ({
  type: 'exited',
  at,
  code,
  signal,
});
const started: VmEvent[] = [
  { type: 'powerOn', at: 0 },
  { type: 'spawned', at: 10 },
];

describe('crashBackoffMs', () => {
  it('doubles from 1 s and stops at 60 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 50].map((n) => crashBackoffMs(n, DEFAULT_POLICY))).toEqual([
      1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000,
    ]);
  });
});

describe('VM state machine', () => {
  it('powers on: spawns at once without boot delay, runs once spawned', () => {
    const { state, effects } = run(started);
    expect(effects).toEqual([{ type: 'spawn', reason: 'power-on' }]);
    expect(state).toMatchObject({ phase: 'running', wanted: true, starts: 1, startedAt: 10 });
  });

  it('waits the boot delay before each start', () => {
    const policy = { ...DEFAULT_POLICY, bootDelayMs: 3000 };
    const first = run([{ type: 'powerOn', at: 0 }], policy);
    expect(first.effects).toEqual([{ type: 'wait', ms: 3000 }]);
    expect(first.state).toMatchObject({ phase: 'waiting', next: { reason: 'power-on', at: 3000 } });
    const afterTimer = run([{ type: 'timer', at: 3000 }], policy, first.state);
    expect(afterTimer.effects).toEqual([{ type: 'spawn', reason: 'power-on' }]);
    const reboot = run([{ type: 'spawned', at: 3100 }, exited(9000, 0)], policy, afterTimer.state);
    expect(reboot.effects).toEqual([{ type: 'wait', ms: 3000 }]);
  });

  it('restarts at once after a guest reboot (exit 0)', () => {
    const { state, effects } = run([...started, exited(5000, 0)]);
    expect(effects.at(-1)).toEqual({ type: 'spawn', reason: 'reboot' });
    expect(state).toMatchObject({ phase: 'starting', crashes: 0, lastExit: { kind: 'reboot', code: 0 } });
  });

  it('treats other exits and signals as crashes, backing off 1 s, 2 s, 4 s', () => {
    let { state } = run(started);
    const waits: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = 100 + i * 100_000;
      const out = run([exited(t, i === 0 ? 1 : null, i === 0 ? null : 'SIGKILL')], DEFAULT_POLICY, state);
      expect(out.state.phase).toBe('waiting');
      expect(out.state.lastExit?.kind).toBe('crash');
      waits.push(...out.effects.flatMap((e) => (e.type === 'wait' ? [e.ms] : [])));
      state = run(
        [
          { type: 'timer', at: t + 1 },
          { type: 'spawned', at: t + 2 },
        ],
        DEFAULT_POLICY,
        out.state,
      ).state;
    }
    expect(waits).toEqual([1000, 2000, 4000]);
    expect(state.crashes).toBe(3);
  });

  it('forgets crashes after 5 minutes up', () => {
    const crashed = run([
      ...started,
      exited(100, 1),
      { type: 'timer', at: 1100 },
      { type: 'spawned', at: 1200 },
    ]);
    expect(crashed.state.crashes).toBe(1);
    const later = run([exited(1200 + 5 * 60_000, 1)], DEFAULT_POLICY, crashed.state);
    expect(later.state.crashes).toBe(1);
    expect(later.effects).toEqual([{ type: 'wait', ms: 1000 }]);
  });

  it('counts a failed spawn as a crash', () => {
    const { state, effects } = run([
      { type: 'powerOn', at: 0 },
      { type: 'exited', at: 5, code: null, signal: null, error: 'spawn qemu ENOENT' },
    ]);
    expect(effects.at(-1)).toEqual({ type: 'wait', ms: 1000 });
    expect(state.lastExit).toMatchObject({ kind: 'crash', error: 'spawn qemu ENOENT', uptimeMs: 0 });
  });

  it('hard reset: kills, then starts again without back-off', () => {
    const killed = run([...started, { type: 'hardReset', at: 50 }]);
    expect(killed.effects.at(-1)).toEqual({ type: 'kill' });
    expect(killed.state.phase).toBe('stopping');
    const restarted = run([exited(60, null, 'SIGKILL')], DEFAULT_POLICY, killed.state);
    expect(restarted.effects).toEqual([{ type: 'spawn', reason: 'reset' }]);
    expect(restarted.state).toMatchObject({ phase: 'starting', resetting: false, crashes: 0 });
  });

  it('hard reset during a back-off starts at once', () => {
    const waiting = run([...started, exited(100, 1)]);
    const { effects } = run([{ type: 'hardReset', at: 200 }], DEFAULT_POLICY, waiting.state);
    expect(effects).toEqual([{ type: 'cancelWait' }, { type: 'spawn', reason: 'reset' }]);
  });

  it('power off: quits, and the exit stops it for good', () => {
    const quitting = run([...started, { type: 'powerOff', at: 50 }]);
    expect(quitting.effects.at(-1)).toEqual({ type: 'quit' });
    const { state, effects } = run([exited(60, 0)], DEFAULT_POLICY, quitting.state);
    expect(effects).toEqual([]);
    expect(state).toMatchObject({ phase: 'stopped', wanted: false, lastExit: { kind: 'stop' } });
  });

  it('power off while waiting cancels the start; while starting, quits once spawned', () => {
    const waiting = run([...started, exited(100, 1), { type: 'powerOff', at: 200 }]);
    expect(waiting.effects.at(-1)).toEqual({ type: 'cancelWait' });
    expect(waiting.state.phase).toBe('stopped');
    const starting = run([
      { type: 'powerOn', at: 0 },
      { type: 'powerOff', at: 1 },
      { type: 'spawned', at: 2 },
    ]);
    expect(starting.effects.at(-1)).toEqual({ type: 'quit' });
    expect(starting.state.phase).toBe('stopping');
  });

  it('a reset during a graceful quit kills at once and starts again', () => {
    const quitting = run([...started, { type: 'powerOff', at: 50 }, { type: 'hardReset', at: 60 }]);
    expect(quitting.effects.at(-1)).toEqual({ type: 'kill' });
    const { effects } = run([exited(70, null, 'SIGKILL')], DEFAULT_POLICY, quitting.state);
    expect(effects).toEqual([{ type: 'spawn', reason: 'reset' }]);
  });

  it('ignores events that do not apply', () => {
    const stopped = initialState();
    expect(transition(stopped, { type: 'timer', at: 1 }).state).toBe(stopped);
    expect(transition(stopped, { type: 'powerOff', at: 1 }).effects).toEqual([]);
    const running = run(started).state;
    expect(transition(running, { type: 'powerOn', at: 1 }).state).toBe(running);
  });
});

describe('noticeOf', () => {
  const step = (state: VmState, event: VmEvent) => {
    const next = transition(state, event).state;
    return { next, notice: noticeOf(state, event, next) };
  };

  it('tells starts with their reason, reboots, crashes with the back-off, and stops', () => {
    let { next, notice } = step(initialState(), { type: 'powerOn', at: 0 });
    expect(notice).toBeUndefined();
    ({ next, notice } = step(next, { type: 'spawned', at: 1 }));
    expect(notice).toEqual({ kind: 'started', reason: 'power-on' });
    ({ next, notice } = step(next, exited(100, 0)));
    expect(notice).toMatchObject({ kind: 'rebooted', exit: { code: 0 } });
    ({ next, notice } = step(next, { type: 'spawned', at: 101 }));
    expect(notice).toEqual({ kind: 'started', reason: 'reboot' });
    ({ next, notice } = step(next, { ...exited(200, null, 'SIGKILL'), detail: 'qemu: oops' }));
    expect(notice).toMatchObject({
      kind: 'crashed',
      restartInMs: 1000,
      exit: { signal: 'SIGKILL', detail: 'qemu: oops' },
    });
    ({ notice } = step(next, { type: 'powerOff', at: 300 }));
    expect(notice).toEqual({ kind: 'stopped' });
  });

  it('tells a reset start as such', () => {
    let { next } = step(run(started).state, { type: 'hardReset', at: 20 });
    let notice;
    ({ next, notice } = step(next, exited(30, null, 'SIGKILL')));
    expect(notice).toBeUndefined();
    ({ notice } = step(next, { type: 'spawned', at: 40 }));
    expect(notice).toEqual({ kind: 'started', reason: 'reset' });
  });
});
