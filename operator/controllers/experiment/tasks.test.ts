import { TaskRegistry, type TaskContext } from './tasks.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('TaskRegistry', () => {
  it('runs a body, reports progress and the outcome through onChange', async () => {
    const registry = new TaskRegistry(() => 42);
    const changes: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const task = registry.start(
      'uid/s1',
      async (ctx: TaskContext) => {
        ctx.report({ node: 'vn2', exitCode: 0 });
        await gate;
        return { ok: true, results: [{ node: 'vn2', exitCode: 0 }] };
      },
      () => changes.push(changes.length),
    );
    expect(task.startedAt).toBe(42);
    expect(task.results()).toEqual([{ node: 'vn2', exitCode: 0 }]);
    expect(task.outcome()).toBeUndefined();
    release();
    await tick();
    expect(task.outcome()).toEqual({ ok: true, results: [{ node: 'vn2', exitCode: 0 }] });
    expect(changes.length).toBe(2);
  });

  it('keeps one task per key', () => {
    const registry = new TaskRegistry();
    let calls = 0;
    const body = (): Promise<never> => {
      calls++;
      return new Promise<never>(() => undefined);
    };
    const a = registry.start('uid/s', body, () => undefined);
    const b = registry.start('uid/s', body, () => undefined);
    expect(a).toBe(b);
    expect(calls).toBe(1);
  });

  it('turns a rejection into a failed outcome', async () => {
    const registry = new TaskRegistry();
    const task = registry.start(
      'uid/s',
      () => Promise.reject(new Error('boom')),
      () => undefined,
    );
    await tick();
    expect(task.outcome()).toEqual({ ok: false, results: [], message: 'boom' });
  });

  it('aborts every task of an experiment: the signal fires and the outcome is a failure', async () => {
    const registry = new TaskRegistry();
    let signal!: AbortSignal;
    const task = registry.start(
      'uid/s',
      (ctx) => {
        signal = ctx.signal;
        return new Promise(() => undefined);
      },
      () => undefined,
    );
    registry.start(
      'other/s',
      () => new Promise(() => undefined),
      () => undefined,
    );
    registry.abortAll('uid', new Error('deleted'));
    expect(signal.aborted).toBe(true);
    expect(task.outcome()).toEqual({ ok: false, results: [], message: 'deleted' });
    expect(registry.get('uid/s')).toBeUndefined();
    expect(registry.size()).toBe(1);
    await tick();
  });
});
