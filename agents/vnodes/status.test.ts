import { initialState, type VmExit } from './supervisor-state.js';
import type { VmSnapshot } from './supervisor.js';
import { describeExit, eventOf, poweredCondition } from './status.js';

const base: VmSnapshot = { ...initialState(), node: 'vn1', accel: 'tcg' };
const crash: VmExit = { kind: 'crash', code: null, signal: 'SIGKILL', at: 1000, uptimeMs: 500 };

describe('poweredCondition', () => {
  it('is True while qemu runs', () => {
    const running = {
      ...base,
      phase: 'running' as const,
      wanted: true,
      pid: 42,
      startedAt: Date.parse('2026-11-27T10:00:00Z'),
    };
    expect(poweredCondition(running)).toEqual({
      type: 'Powered',
      status: 'True',
      reason: 'Running',
      message: 'qemu running (pid 42, TCG) since 2026-11-27T10:00:00Z',
    });
  });

  it('says Crashed with the exit and the back-off', () => {
    const waiting = {
      ...base,
      phase: 'waiting' as const,
      wanted: true,
      crashes: 2,
      lastExit: crash,
      next: { reason: 'crash' as const, at: 3000 },
    };
    expect(poweredCondition(waiting)).toEqual({
      type: 'Powered',
      status: 'False',
      reason: 'Crashed',
      message: 'qemu was killed by SIGKILL; restarting after 2 s at 1970-01-01T00:00:03Z (crash 2 in a row)',
    });
  });

  it('says Restarting after a guest reboot, while starting and during a hard reset', () => {
    const reboot: VmExit = { ...crash, kind: 'reboot', code: 0, signal: null };
    const waiting = {
      ...base,
      phase: 'waiting' as const,
      wanted: true,
      lastExit: reboot,
      next: { reason: 'reboot' as const, at: 6000 },
    };
    expect(poweredCondition(waiting)).toMatchObject({
      status: 'False',
      reason: 'Restarting',
      message: 'the guest rebooted: starting qemu at 1970-01-01T00:00:06Z',
    });
    expect(poweredCondition({ ...base, phase: 'starting', reason: 'reset' })).toMatchObject({
      reason: 'Restarting',
    });
    expect(poweredCondition({ ...base, phase: 'stopping', resetting: true })).toMatchObject({
      reason: 'Restarting',
    });
  });

  it('says Stopped when powered off or powering off', () => {
    expect(poweredCondition(base)).toMatchObject({ status: 'False', reason: 'Stopped' });
    expect(poweredCondition({ ...base, phase: 'stopping' })).toMatchObject({
      reason: 'Stopped',
      message: 'powering off',
    });
  });
});

describe('describeExit', () => {
  it('tells codes, signals and start failures, with qemu last words', () => {
    expect(describeExit({ ...crash, signal: null, code: 1, detail: 'qemu: could not open tap' })).toBe(
      'exited with code 1 (qemu: could not open tap)',
    );
    expect(describeExit(crash)).toBe('was killed by SIGKILL');
    expect(describeExit({ ...crash, signal: null, error: 'spawn qemu ENOENT' })).toBe(
      'could not start: spawn qemu ENOENT',
    );
  });
});

describe('eventOf', () => {
  it('maps starts, crashes and stops to events; reboots get none', () => {
    expect(eventOf({ kind: 'started', reason: 'reboot' }, base)).toEqual({
      type: 'Normal',
      reason: 'VMStarted',
      note: 'qemu started (reboot) with TCG',
    });
    expect(eventOf({ kind: 'crashed', exit: crash, restartInMs: 4000 }, base)).toEqual({
      type: 'Warning',
      reason: 'VMCrashed',
      note: 'qemu was killed by SIGKILL; restarting in 4 s',
    });
    expect(eventOf({ kind: 'stopped' }, base)).toMatchObject({ reason: 'VMStopped' });
    expect(eventOf({ kind: 'rebooted', exit: { ...crash, kind: 'reboot' } }, base)).toBeUndefined();
  });
});
