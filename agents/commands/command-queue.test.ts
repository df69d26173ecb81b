import { isWaltError } from '../../common/errors.js';
import { CommandQueue, type Dispatch, type Outcome } from './command-queue.js';
import { NodeNotConnected } from './errors.js';

interface Fixture {
  queue: CommandQueue<string>;
  clock: { t: number };
  events: Array<[string, boolean]>;
}

function fixture(maxInFlight = 8): Fixture {
  const clock = { t: 1_000_000 };
  let n = 0;
  const queue = new CommandQueue<string>({
    now: () => clock.t,
    channelTimeoutMs: 60_000,
    graceMs: 15_000,
    maxInFlight,
    newId: () => `c${++n}`,
  });
  const events: Array<[string, boolean]> = [];
  queue.onConnectionChange((node, connected) => events.push([node, connected]));
  return { queue, clock, events };
}

/** A poll (from boot `bootId` when given) whose wait ends when the returned abort() is called. */
function poll(
  queue: CommandQueue<string>,
  node: string,
  bootId?: string,
): { result: Promise<Dispatch | undefined>; abort: () => void } {
  const controller = new AbortController();
  return { result: queue.poll(node, controller.signal, bootId), abort: () => controller.abort() };
}

/** Marks `node` connected with a poll that ends at once. */
async function touch(queue: CommandQueue<string>, node: string): Promise<void> {
  const p = poll(queue, node);
  p.abort();
  await p.result;
}

const spec = (script: string, timeoutMs = 10_000, connectTimeoutMs = 0) => ({
  script,
  timeoutMs,
  connectTimeoutMs,
});

describe('CommandQueue', () => {
  it('hands a command to the newest poll: an older one still waiting is from a dead connection', async () => {
    const { queue } = fixture();
    // Given a poll left hanging by a node that was hard-reset, and the rebooted node's new poll
    const stale = poll(queue, 'n1');
    const fresh = poll(queue, 'n1');
    // Then the stale poll is ended, and the command goes to the new one
    await expect(stale.result).resolves.toBeUndefined();
    queue.submit('n1', spec('uname -a'));
    await expect(fresh.result).resolves.toEqual({ id: 'c1', script: 'uname -a' });
  });

  it('fails the commands of the previous boot when the node boots again, and keeps pending ones', async () => {
    const { queue } = fixture(1);
    await touch(queue, 'n1');
    const running = queue.submit('n1', spec('sleep 100'));
    const queued = queue.submit('n1', spec('echo next'));
    expect(await poll(queue, 'n1').result).toEqual({ id: 'c1', script: 'sleep 100' });
    // When the node reports a new bootup
    queue.rebooted('n1');
    // Then the command it was running is lost, the queued one goes to the new boot's loop
    await expect(running.outcome).resolves.toEqual({ kind: 'lost', reason: 'channelLost' });
    expect(await poll(queue, 'n1').result).toEqual({ id: 'c2', script: 'echo next' });
    expect(queue.complete('n1', 'c2', 'done')).toBe(true);
    await expect(queued.outcome).resolves.toMatchObject({ kind: 'finished', result: 'done' });
  });

  it('a bootup ends the poll the previous boot left waiting: a command sent then waits for the new boot', async () => {
    const { queue } = fixture();
    // Given the poll of boot A, left waiting on a dead connection by a hard reset
    const stale = poll(queue, 'n1', 'boot-a');
    // When boot B notifies its bootup (before its loop polls), and a command is sent
    queue.rebooted('n1', 'boot-b');
    await expect(stale.result).resolves.toBeUndefined();
    const submitted = queue.submit('n1', spec('uname -a'));
    // Then it goes to boot B's first poll
    expect(await poll(queue, 'n1', 'boot-b').result).toEqual({ id: 'c1', script: 'uname -a' });
    expect(queue.complete('n1', 'c1', 'ok')).toBe(true);
    await expect(submitted.outcome).resolves.toMatchObject({ kind: 'finished', result: 'ok' });
  });

  it("a poll of a new boot, before its bootup, fails the previous boot's commands", async () => {
    const { queue } = fixture();
    await touch(queue, 'n1');
    const running = queue.submit('n1', spec('sleep 100'));
    expect(await poll(queue, 'n1', 'boot-a').result).toEqual({ id: 'c1', script: 'sleep 100' });
    // When boot B's loop polls
    const fresh = poll(queue, 'n1', 'boot-b');
    // Then boot A's command is lost, and boot B's poll waits for work
    await expect(running.outcome).resolves.toEqual({ kind: 'lost', reason: 'channelLost' });
    const next = queue.submit('n1', spec('echo b'));
    expect(await fresh.result).toEqual({ id: 'c2', script: 'echo b' });
    // And boot B's own bootup notification, coming after, keeps what boot B runs
    queue.rebooted('n1', 'boot-b');
    expect(queue.complete('n1', 'c2', 'done')).toBe(true);
    await expect(next.outcome).resolves.toMatchObject({ kind: 'finished', result: 'done' });
  });

  it('a repeated bootup notification of the same boot keeps its polls and commands', async () => {
    const { queue } = fixture();
    await touch(queue, 'n1');
    const running = queue.submit('n1', spec('sleep 100'));
    expect(await poll(queue, 'n1', 'boot-a').result).toEqual({ id: 'c1', script: 'sleep 100' });
    const waiting = poll(queue, 'n1', 'boot-a');
    // When boot A notifies again (its first answer was lost)
    queue.rebooted('n1', 'boot-a');
    // Then its running command and its waiting poll stay
    const next = queue.submit('n1', spec('echo again'));
    expect(await waiting.result).toEqual({ id: 'c2', script: 'echo again' });
    expect(queue.complete('n1', 'c1', 'slept')).toBe(true);
    await expect(running.outcome).resolves.toMatchObject({ kind: 'finished', result: 'slept' });
    expect(queue.complete('n1', 'c2', 'again')).toBe(true);
    await expect(next.outcome).resolves.toMatchObject({ kind: 'finished', result: 'again' });
  });

  it('hands a queued command to the next poll, then completes it with the node result', async () => {
    const { queue, clock } = fixture();
    // Given a connected node
    await touch(queue, 'n1');
    // When a command is submitted and the node polls
    const submitted = queue.submit('n1', spec('echo hi'));
    const dispatch = await poll(queue, 'n1').result;
    // Then the node gets it, and its result finishes the command
    expect(dispatch).toEqual({ id: 'c1', script: 'echo hi' });
    clock.t += 1234;
    expect(queue.complete('n1', 'c1', 'result')).toBe(true);
    await expect(submitted.outcome).resolves.toEqual({
      kind: 'finished',
      result: 'result',
      durationMs: 1234,
    });
    // And a second result for the same id is refused
    expect(queue.complete('n1', 'c1', 'again')).toBe(false);
  });

  it('wakes a waiting poll when a command arrives, in FIFO order', async () => {
    const { queue } = fixture();
    const waiting = poll(queue, 'n1');
    queue.submit('n1', spec('first'));
    queue.submit('n1', spec('second'));
    expect(await waiting.result).toMatchObject({ script: 'first' });
    expect(await poll(queue, 'n1').result).toMatchObject({ script: 'second' });
  });

  it('ends a poll with nothing when its wait is over', async () => {
    const { queue } = fixture();
    const waiting = poll(queue, 'n1');
    waiting.abort();
    await expect(waiting.result).resolves.toBeUndefined();
    // and a command submitted later is kept for the next poll
    queue.submit('n1', spec('later'));
    expect(await poll(queue, 'n1').result).toMatchObject({ script: 'later' });
  });

  it('refuses a command for a node that is not connected, unless asked to wait', () => {
    const { queue } = fixture();
    let error: unknown;
    try {
      queue.submit('ghost', spec('x'));
    } catch (err) {
      error = err;
    }
    expect(isWaltError(error, NodeNotConnected)).toBe(true);
    expect(() => queue.submit('ghost', spec('x', 1000, 5000))).not.toThrow();
  });

  it('runs a waiting command once the node connects within connectTimeout', async () => {
    const { queue, clock } = fixture();
    const submitted = queue.submit('late', spec('x', 1000, 30_000));
    clock.t += 20_000;
    queue.sweep();
    expect(await poll(queue, 'late').result).toMatchObject({ id: 'c1' });
    queue.complete('late', 'c1', 'ok');
    await expect(submitted.outcome).resolves.toMatchObject({ kind: 'finished' });
  });

  it('fails a waiting command as notConnected when the node does not come in time', async () => {
    const { queue, clock } = fixture();
    const submitted = queue.submit('ghost', spec('x', 1000, 30_000));
    clock.t += 29_999;
    queue.sweep();
    clock.t += 1;
    queue.sweep();
    await expect(submitted.outcome).resolves.toEqual({ kind: 'lost', reason: 'notConnected' });
  });

  it('times out a dispatched command whose result does not come within timeout + grace', async () => {
    const { queue, clock } = fixture();
    await touch(queue, 'n1');
    const submitted = queue.submit('n1', spec('sleep 100', 10_000));
    await poll(queue, 'n1').result;
    // The node keeps polling (it runs commands in the background)
    const keepAlive = poll(queue, 'n1');
    clock.t += 24_999;
    queue.sweep();
    clock.t += 1;
    queue.sweep();
    await expect(submitted.outcome).resolves.toEqual({ kind: 'timedOut', durationMs: 25_000 });
    expect(queue.complete('n1', 'c1', 'too late')).toBe(false);
    keepAlive.abort();
  });

  it('tracks connection: up at the first poll, down 60 s after the last one, failing its commands', async () => {
    const { queue, clock, events } = fixture();
    expect(queue.connected('n1')).toBe(false);
    await touch(queue, 'n1');
    expect(queue.connected('n1')).toBe(true);
    expect(events).toEqual([['n1', true]]);
    // A waiting poll keeps the node connected however long it waits
    const waiting = poll(queue, 'n1');
    clock.t += 120_000;
    queue.sweep();
    expect(queue.connected('n1')).toBe(true);
    const submitted = queue.submit('n1', spec('x', 300_000));
    await waiting.result;
    // When the node stops polling for the channel timeout
    clock.t += 59_999;
    queue.sweep();
    expect(events).toHaveLength(1);
    clock.t += 1;
    queue.sweep();
    // Then it is down, once, and its in-flight command is lost
    expect(queue.connected('n1')).toBe(false);
    expect(events).toEqual([
      ['n1', true],
      ['n1', false],
    ]);
    await expect(submitted.outcome).resolves.toEqual({ kind: 'lost', reason: 'channelLost' });
    queue.sweep();
    expect(events).toHaveLength(2);
    // And back up at its next poll
    await touch(queue, 'n1');
    expect(events.at(-1)).toEqual(['n1', true]);
  });

  it('keeps at most maxInFlight commands on a node; the others wait their turn', async () => {
    const { queue } = fixture(1);
    await touch(queue, 'n1');
    queue.submit('n1', spec('one'));
    queue.submit('n1', spec('two'));
    expect(await poll(queue, 'n1').result).toMatchObject({ id: 'c1' });
    const second = poll(queue, 'n1');
    let given: Dispatch | undefined;
    void second.result.then((d) => (given = d));
    await Promise.resolve();
    expect(given).toBeUndefined();
    queue.complete('n1', 'c1', 'done');
    expect(await second.result).toMatchObject({ id: 'c2' });
  });

  it('keeps nodes apart', async () => {
    const { queue } = fixture();
    await touch(queue, 'a');
    await touch(queue, 'b');
    queue.submit('a', spec('for a'));
    expect(queue.complete('b', 'c1', 'x')).toBe(false);
    expect(await poll(queue, 'a').result).toMatchObject({ script: 'for a' });
  });

  it('stop() ends polls and fails every command', async () => {
    const { queue } = fixture();
    const waiting = poll(queue, 'n1');
    await touch(queue, 'n2');
    const submitted = queue.submit('n2', spec('x'));
    queue.stop();
    await expect(waiting.result).resolves.toBeUndefined();
    await expect(submitted.outcome).resolves.toEqual<Outcome<string>>({ kind: 'lost', reason: 'stopped' });
    expect(() => queue.submit('n2', spec('x'))).toThrow();
  });

  it('resume() after stop() serves again (the agent leads its segment again)', async () => {
    const { queue } = fixture();
    queue.stop();
    queue.resume();
    const waiting = poll(queue, 'n1');
    const submitted = queue.submit('n1', spec('again'));
    expect(await waiting.result).toMatchObject({ script: 'again' });
    queue.complete('n1', submitted.id, 'ok');
    await expect(submitted.outcome).resolves.toMatchObject({ kind: 'finished', result: 'ok' });
  });
});

describe('CommandQueue: ids, attaching, cancelling', () => {
  it('a second submit with the same id attaches to the same command: it runs once', async () => {
    const { queue } = fixture();
    await touch(queue, 'n1');
    // Given a command submitted with the caller's id
    const first = queue.submit('n1', { ...spec('once'), id: 'k1' });
    // When the same id is submitted again, before and after the node took it
    const early = queue.submit('n1', { ...spec('once'), id: 'k1' });
    expect(await poll(queue, 'n1').result).toEqual({ id: 'k1', script: 'once' });
    const late = queue.submit('n1', { ...spec('once'), id: 'k1' });
    // Then both attach (no second dispatch) and share the outcome
    expect([first.attached, early.attached, late.attached]).toEqual([false, true, true]);
    const next = poll(queue, 'n1');
    queue.complete('n1', 'k1', 'out');
    const outcomes = await Promise.all([first.outcome, early.outcome, late.outcome]);
    expect(outcomes.every((o) => o.kind === 'finished' && o.result === 'out')).toBe(true);
    next.abort();
    await expect(next.result).resolves.toBeUndefined();
    // And the same id on another node is another command
    await touch(queue, 'n2');
    expect(queue.submit('n2', { ...spec('other'), id: 'k1' }).attached).toBe(false);
  });

  it('settles once however many attach; keeps outcomes for a bounded time and count', async () => {
    const clock = { t: 0 };
    const queue = new CommandQueue<string>({
      now: () => clock.t,
      keepFinishedMs: 1000,
      keepFinishedCount: 2,
    });
    await touch(queue, 'n1');
    let settled = 0;
    const settle = (): Promise<void> => {
      settled++;
      return Promise.resolve();
    };
    for (const id of ['a', 'b', 'c']) {
      queue.submit('n1', { ...spec(id), id, settle });
      await poll(queue, 'n1').result;
      queue.complete('n1', id, `${id}!`);
    }
    await queue.attach('n1', 'c');
    queue.submit('n1', { ...spec('c'), id: 'c', settle });
    await queue.attach('n1', 'c');
    expect(settled).toBe(3);
    // The oldest went beyond the count; the others go with time
    expect(queue.attach('n1', 'a')).toBeUndefined();
    await expect(queue.attach('n1', 'b')).resolves.toMatchObject({ kind: 'finished', result: 'b!' });
    clock.t += 1000;
    queue.sweep();
    expect(queue.attach('n1', 'b')).toBeUndefined();
    expect(queue.attach('n1', 'c')).toBeUndefined();
  });

  it('cancels a queued command (never sent) and a running one (the node is told, and reports the kill)', async () => {
    const { queue } = fixture(1);
    await touch(queue, 'n1');
    const running = queue.submit('n1', { ...spec('long'), id: 'run' });
    const queued = queue.submit('n1', { ...spec('later'), id: 'wait' });
    expect(await poll(queue, 'n1').result).toEqual({ id: 'run', script: 'long' });
    // When the queued one is cancelled, then the running one
    expect(queue.cancel('n1', 'wait')?.was).toBe('pending');
    const cancel = queue.cancel('n1', 'run');
    expect(cancel?.was).toBe('running');
    // Then the queued one ends as cancelled at once, never sent
    await expect(queued.outcome).resolves.toEqual({ kind: 'cancelled' });
    // And the next poll tells the node to kill the running one; a second cancel does not tell it twice
    expect(await poll(queue, 'n1').result).toEqual({ id: 'run', cancel: true });
    expect(queue.cancel('n1', 'run')?.was).toBe('running');
    const idle = poll(queue, 'n1');
    let given: Dispatch | undefined;
    void idle.result.then((d) => (given = d));
    await Promise.resolve();
    expect(given).toBeUndefined();
    idle.abort();
    // And the running one ends when the node reports how the kill ended it, for its callers and the cancel
    let settled = false;
    void running.outcome.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    expect(queue.complete('n1', 'run', 'killed by TERM')).toBe(true);
    const ended = { kind: 'cancelled', ended: { result: 'killed by TERM', durationMs: 0 } };
    await expect(running.outcome).resolves.toEqual(ended);
    await expect(cancel?.outcome).resolves.toEqual(ended);
    // A cancel after that finds it finished; an unknown id is unknown
    expect(queue.cancel('n1', 'run')?.was).toBe('finished');
    expect(queue.cancel('n1', 'nope')).toBeUndefined();
  });

  it('a cancel the node does not confirm within the kill grace and the slack ends unconfirmed', async () => {
    const { queue, clock } = fixture();
    await touch(queue, 'n1');
    // Given a long command (timeout 1 h) running on the node, cancelled
    const running = queue.submit('n1', { ...spec('long', 3_600_000), id: 'x' });
    await poll(queue, 'n1').result;
    const node = poll(queue, 'n1');
    expect(queue.cancel('n1', 'x')?.was).toBe('running');
    expect(await node.result).toEqual({ id: 'x', cancel: true });
    // When the node says nothing (it keeps polling) until just before the kill grace and the slack
    clock.t += 5_000 + 15_000 - 1;
    await touch(queue, 'n1');
    queue.sweep();
    let settled = false;
    void running.outcome.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    // Then at that deadline, not at the command's own timeout, it ends cancelled, unconfirmed
    clock.t += 1;
    queue.sweep();
    await expect(running.outcome).resolves.toEqual({ kind: 'cancelled', unconfirmed: true });
    // And the node's result after that is refused
    expect(queue.complete('n1', 'x', 'late')).toBe(false);
  });

  it('a command being cancelled whose node reboots ends cancelled, unconfirmed (not lost)', async () => {
    const { queue } = fixture();
    await touch(queue, 'n1');
    const running = queue.submit('n1', { ...spec('long'), id: 'x' });
    await poll(queue, 'n1', 'boot-1').result;
    queue.cancel('n1', 'x');
    queue.rebooted('n1', 'boot-2');
    await expect(running.outcome).resolves.toEqual({ kind: 'cancelled', unconfirmed: true });
  });

  it('forgets kills for a node that rebooted: its commands died with the boot', async () => {
    const { queue } = fixture();
    await touch(queue, 'n1');
    queue.submit('n1', { ...spec('long'), id: 'x' });
    await poll(queue, 'n1', 'boot-1').result;
    expect(queue.cancel('n1', 'x')?.was).toBe('running');
    queue.rebooted('n1', 'boot-2');
    const next = poll(queue, 'n1', 'boot-2');
    let given: Dispatch | undefined;
    void next.result.then((d) => (given = d));
    await Promise.resolve();
    expect(given).toBeUndefined();
    next.abort();
  });
});
