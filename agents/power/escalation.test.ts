import { jest } from '@jest/globals';
import type { WaltNode } from '../../api/v1alpha1/index.js';
import { silentLogger } from '../../common/logger.js';
import type { ObjectEvents, Status, StatusUpdate, StatusWriter } from '../../runtime/index.js';
import { NodeNotConnected } from '../commands/errors.js';
import {
  afterSoft,
  bootWatchSettings,
  decideStart,
  decideWatch,
  startedState,
  type RebootState,
} from './escalation.js';
import { createEscalator, type SoftRebootChannel } from './escalator.js';
import { hardOnly } from './requested-reboot.js';
import { softOutcomeOf } from './soft-reboot.js';

const T0 = Date.parse('2026-12-05T10:00:00.000Z');
const at = (s: number): Date => new Date(T0 + s * 1000);

function node(
  options: { reboot?: RebootState; lastBootup?: Date; timeout?: number; retries?: number } = {},
): WaltNode {
  return {
    apiVersion: 'walt.dev/v1alpha1',
    kind: 'WaltNode',
    metadata: { name: 'pc1', uid: 'u1', generation: 1, resourceVersion: '1' },
    spec: {
      mac: '52:54:00:00:00:01',
      model: 'pc-x86-64',
      segment: 'lab',
      image: 'default',
      power: { driver: 'webhook', webhook: { url: 'http://pdu/' } },
      settings: {
        ...(options.timeout === undefined ? {} : { bootTimeout: options.timeout }),
        ...(options.retries === undefined ? {} : { bootRetries: options.retries }),
      },
    },
    status: {
      phase: 'Ready',
      ...(options.reboot ? { reboot: options.reboot } : {}),
      ...(options.lastBootup ? { lastBootup: options.lastBootup.toISOString() } : {}),
    },
  } as WaltNode;
}

describe('decideStart', () => {
  const ask = { cause: 'reboot requested at T1', hardOnly: false };

  it('is soft when the node listens on its command channel, hard when it does not or with --hard', () => {
    expect(decideStart(node(), ask, true)).toEqual({ act: 'soft' });
    expect(decideStart(node(), ask, false)).toEqual({ act: 'hard' });
    expect(decideStart(node(), { ...ask, hardOnly: true }, true)).toEqual({ act: 'hard' });
  });

  it('never starts a cause twice (an agent restart, a stale cache)', () => {
    const started = node({ reboot: startedState(ask.cause, 'soft', at(0)) });
    expect(decideStart(started, ask, true)).toEqual({ act: 'skip', why: 'AlreadyStarted' });
    expect(decideStart(started, { ...ask, cause: 'reboot requested at T2' }, true)).toEqual({ act: 'soft' });
  });
});

describe('bootWatchSettings', () => {
  it("uses WalT's defaults when the spec has none (180 s, 9 retries); 0 waits forever", () => {
    expect(bootWatchSettings(node())).toEqual({ timeoutMs: 180_000, retries: 9 });
    expect(bootWatchSettings(node({ timeout: 0, retries: 2 }))).toEqual({ timeoutMs: undefined, retries: 2 });
  });
});

describe('decideWatch', () => {
  const soft = startedState('c', 'soft', at(0));

  it('does nothing without a reboot waiting', () => {
    expect(decideWatch(node(), T0)).toEqual({ act: 'none' });
    expect(decideWatch(node({ reboot: { ...soft, outcome: 'Booted' } }), T0)).toEqual({ act: 'none' });
  });

  it('sees the bootup of a boot begun after the attempt (a later second), not the one before', () => {
    expect(decideWatch(node({ reboot: soft, lastBootup: at(30) }), T0 + 31_000)).toEqual({ act: 'booted' });
    expect(decideWatch(node({ reboot: soft, lastBootup: at(0) }), T0 + 1000)).toMatchObject({ act: 'wait' });
  });

  it('waits until bootTimeout, then power-cycles up to bootRetries times, then fails', () => {
    const n = (state: RebootState): WaltNode => node({ reboot: state, timeout: 60, retries: 2 });
    expect(decideWatch(n(soft), T0 + 10_000)).toEqual({ act: 'wait', afterMs: 50_000 });
    expect(decideWatch(n(soft), T0 + 60_000)).toEqual({ act: 'hard', attempt: 1, of: 2 });
    const second = startedState('c', 'hard', at(60), 1);
    expect(decideWatch(n(second), T0 + 120_000)).toEqual({ act: 'hard', attempt: 2, of: 2 });
    const last = startedState('c', 'hard', at(120), 2);
    expect(decideWatch(n(last), T0 + 180_000)).toEqual({ act: 'fail', hardReboots: 2, timeoutMs: 60_000 });
  });

  it('waits forever with bootTimeout 0', () => {
    expect(decideWatch(node({ reboot: soft, timeout: 0 }), T0 + 86_400_000)).toEqual({
      act: 'wait',
      afterMs: undefined,
    });
  });
});

describe('the soft step', () => {
  it('goes hard at once when refused, waits for the bootup otherwise', () => {
    const result = { exitCode: 0, output: '', truncatedBytes: 0, timedOut: false, durationMs: 5 };
    expect(softOutcomeOf(result)).toBe('sent');
    expect(softOutcomeOf({ ...result, exitCode: 127 })).toBe('refused');
    expect(softOutcomeOf({ ...result, exitCode: null, timedOut: true })).toBe('noAnswer');
    expect(softOutcomeOf(undefined, NodeNotConnected('pc1'))).toBe('refused');
    expect(softOutcomeOf(undefined, new Error('channel lost'))).toBe('noAnswer');
    expect(afterSoft('refused')).toBe('hard');
    expect(afterSoft('sent')).toBe('wait');
    expect(afterSoft('noAnswer')).toBe('wait');
  });
});

describe('createEscalator (in-memory API object)', () => {
  /**
   * A writer over one stored object that behaves like the server-side apply writer: the update is
   * computed from the object it is given (maybe stale), unless the write is guarded and that object's
   * resourceVersion is not the stored one (409): then from the stored object. Each write bumps it.
   */
  function store(initial: WaltNode): {
    writer: StatusWriter<WaltNode>;
    failed: Status[];
    get(): WaltNode;
    set(next: WaltNode): void;
  } {
    let obj = initial;
    const failed: Status[] = [];
    const bump = (o: WaltNode): string => String(Number(o.metadata.resourceVersion) + 1);
    const writer: StatusWriter<WaltNode> = {
      fieldManager: 'test',
      apply(given: WaltNode, update: StatusUpdate<WaltNode>, options?: { guard?: boolean }) {
        const stale = given.metadata.resourceVersion !== obj.metadata.resourceVersion;
        const base = options?.guard && stale ? obj : given;
        const status = typeof update === 'function' ? update(base) : update;
        obj = {
          ...obj,
          metadata: { ...obj.metadata, resourceVersion: bump(obj) },
          status: { ...obj.status, ...status },
        };
        return Promise.resolve(obj);
      },
    };
    return {
      writer,
      failed,
      get: () => obj,
      set: (next) => void (obj = { ...next, metadata: { ...next.metadata, resourceVersion: bump(obj) } }),
    };
  }
  const events = (): ObjectEvents & { seen: string[] } => {
    const seen: string[] = [];
    return {
      seen,
      normal: (reason) => Promise.resolve(void seen.push(reason)),
      warning: (reason) => Promise.resolve(void seen.push(reason)),
      record: (input) => Promise.resolve(void seen.push(input.reason)),
    };
  };

  it('soft first; power cycles after each bootTimeout, bootRetries times; then Failed with an Event', async () => {
    let clock = T0;
    const s = store(node({ timeout: 60, retries: 2 }));
    const failedWriter = store(s.get());
    const hardReboot = jest.fn(() => Promise.resolve());
    const softReboot = jest.fn(() => Promise.resolve('noAnswer' as const));
    const channel: SoftRebootChannel = { connected: () => true, softReboot };
    const escalator = createEscalator({
      kc: undefined as never,
      segment: 'lab',
      power: { hardReboot },
      channel,
      logger: silentLogger(),
      writer: s.writer,
      failedWriter: failedWriter.writer,
      now: () => new Date(clock),
    });
    const ask = { cause: 'reboot requested at T1', hardOnly: false };
    expect(await escalator.start(s.get(), ask)).toBe('soft');
    expect(await escalator.start(s.get(), ask)).toBe('skip');
    expect(softReboot).toHaveBeenCalledTimes(1);
    const ev = events();
    const staleSoft = s.get();
    clock = T0 + 30_000;
    expect(await escalator.watch(s.get(), ev)).toBe(30_000);
    expect(hardReboot).not.toHaveBeenCalled();
    clock = T0 + 60_000;
    await escalator.watch(s.get(), ev);
    expect(hardReboot).toHaveBeenCalledTimes(1);
    expect(s.get().status?.reboot).toMatchObject({ method: 'hard', hardReboots: 1, outcome: 'Waiting' });
    expect(s.get().status?.conditions?.find((c) => c.type === 'Powered')).toMatchObject({ status: 'True' });
    // A second watchdog (a restarted agent) on the same state does not cycle again before the timeout
    await escalator.watch(s.get(), ev);
    expect(hardReboot).toHaveBeenCalledTimes(1);
    // Nor does one that reads a stale cache (the soft state, its deadline passed), and it writes nothing old back
    await escalator.watch(staleSoft, ev);
    expect(hardReboot).toHaveBeenCalledTimes(1);
    expect(s.get().status?.reboot).toMatchObject({ method: 'hard', hardReboots: 1 });
    clock = T0 + 120_000;
    await escalator.watch(s.get(), ev);
    clock = T0 + 180_000;
    await escalator.watch(s.get(), ev);
    expect(hardReboot).toHaveBeenCalledTimes(2);
    expect(s.get().status?.reboot?.outcome).toBe('Failed');
    expect(s.get().status?.conditions?.find((c) => c.type === 'Reboot')).toMatchObject({
      status: 'False',
      reason: 'BootTimeout',
    });
    expect(failedWriter.get().status?.phase).toBe('Failed');
    expect(ev.seen).toEqual(['BootTimeout', 'BootTimeout', 'BootFailed']);
  });

  it('a refused soft reboot power-cycles at once; a bootup ends the watch with Reboot True', async () => {
    let clock = T0;
    const s = store(node({ timeout: 60 }));
    const hardReboot = jest.fn(() => Promise.resolve());
    const escalator = createEscalator({
      kc: undefined as never,
      segment: 'lab',
      power: { hardReboot },
      channel: { connected: () => true, softReboot: () => Promise.resolve('refused' as const) },
      logger: silentLogger(),
      writer: s.writer,
      failedWriter: store(s.get()).writer,
      now: () => new Date(clock),
    });
    expect(await escalator.start(s.get(), { cause: 'c', hardOnly: false })).toBe('hard');
    expect(hardReboot).toHaveBeenCalledTimes(1);
    expect(s.get().status?.reboot).toMatchObject({ method: 'hard', hardReboots: 0 });
    clock = T0 + 40_000;
    const booted = { ...s.get(), status: { ...s.get().status, lastBootup: at(35).toISOString() } };
    s.set(booted); // the bootup recorder's write
    await escalator.watch(s.get(), events());
    expect(s.get().status?.reboot?.outcome).toBe('Booted');
    expect(s.get().status?.conditions?.find((c) => c.type === 'Reboot')).toMatchObject({ status: 'True' });
  });

  it('records a driver failure in Reboot and Powered, and rejects', async () => {
    const s = store(node());
    const escalator = createEscalator({
      kc: undefined as never,
      segment: 'lab',
      power: { hardReboot: () => Promise.reject(new Error('pdu down')) },
      channel: { connected: () => false, softReboot: () => Promise.resolve('sent' as const) },
      logger: silentLogger(),
      writer: s.writer,
      failedWriter: store(s.get()).writer,
      now: () => new Date(T0),
    });
    await expect(escalator.start(s.get(), { cause: 'c', hardOnly: false })).rejects.toThrow('pdu down');
    const conditions = s.get().status?.conditions ?? [];
    expect(conditions.find((c) => c.type === 'Reboot')).toMatchObject({
      status: 'Unknown',
      reason: 'PowerFailed',
    });
    expect(conditions.find((c) => c.type === 'Powered')).toMatchObject({
      status: 'Unknown',
      reason: 'DriverFailed',
    });
  });
});

describe('hardOnly', () => {
  const T1 = '2026-12-05T10:00:00.000Z';
  const T2 = '2026-12-05T10:05:00.000Z';
  const asked = (annotations: Record<string, string>, claim?: Record<string, unknown>): WaltNode => ({
    ...node(),
    metadata: { name: 'pc1', annotations },
    status: claim ? { claimedBy: { namespace: 'lab', name: 'exp', ...claim } } : {},
  });

  it("is walt node reboot --hard's request, or an experiment's hard one; never an older mark", () => {
    const hard = { 'walt.dev/reboot-requested-at': T1, 'walt.dev/reboot-mode': 'hard' };
    expect(hardOnly(asked(hard), T1)).toBe(true);
    expect(hardOnly(asked({ ...hard, 'walt.dev/reboot-mode': 'soft' }), T1)).toBe(false);
    expect(hardOnly(asked(hard), T2)).toBe(false);
    expect(hardOnly(asked({}, { rebootRequestedAt: T2, rebootHard: true }), T2)).toBe(true);
    expect(hardOnly(asked({}, { rebootRequestedAt: T2 }), T2)).toBe(false);
    expect(hardOnly(asked({}, { rebootRequestedAt: T1, rebootHard: true }), T2)).toBe(false);
  });
});
