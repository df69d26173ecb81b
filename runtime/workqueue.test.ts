import { jest } from '@jest/globals';
import { createWorkQueue, keyOf, splitKey, type WorkHandler, type WorkQueue } from './workqueue.js';

/** A promise resolved from outside, to hold a handler in the middle of its work. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

const flush = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

const unlimited = { qps: 1e9, burst: 1e9 };

describe('work queue', () => {
  let queue: WorkQueue | undefined;
  afterEach(async () => {
    jest.useRealTimers();
    await queue?.shutdown({ drain: false });
    queue = undefined;
  });

  it('processes a key queued several times before it starts only once', async () => {
    // Given a queue whose worker is busy with another key
    const busy = gate();
    const seen: string[] = [];
    queue = createWorkQueue({
      name: 't',
      rateLimit: unlimited,
      handler: async (key) => {
        seen.push(key);
        if (key === 'ns/busy') await busy.promise;
      },
    });
    queue.add('ns/busy');
    // When the same key is added three times while it waits
    queue.add('ns/a');
    queue.add('ns/a');
    queue.add('ns/a');
    expect(queue.depth()).toBe(1);
    busy.open();
    await queue.shutdown();
    // Then it was processed once
    expect(seen).toEqual(['ns/busy', 'ns/a']);
  });

  it('re-processes a key added while it runs, after it finishes and never concurrently', async () => {
    // Given a key being processed, with concurrency 4
    const first = gate();
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    queue = createWorkQueue({
      name: 't',
      concurrency: 4,
      rateLimit: unlimited,
      handler: async () => {
        running++;
        runs++;
        maxRunning = Math.max(maxRunning, running);
        if (runs === 1) await first.promise;
        running--;
      },
    });
    queue.add('ns/a');
    await flush();
    // When it is added again while running
    queue.add('ns/a');
    queue.add('ns/a');
    await flush();
    // Then the second run waits for the first
    expect(runs).toBe(1);
    first.open();
    await queue.shutdown();
    expect(runs).toBe(2);
    expect(maxRunning).toBe(1);
  });

  it('runs different keys concurrently up to the concurrency', async () => {
    const hold = gate();
    let running = 0;
    let maxRunning = 0;
    queue = createWorkQueue({
      name: 't',
      concurrency: 3,
      rateLimit: unlimited,
      handler: async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await hold.promise;
        running--;
      },
    });
    for (const k of ['a', 'b', 'c', 'd', 'e']) queue.add(k);
    await flush();
    expect(maxRunning).toBe(3);
    expect(queue.depth()).toBe(2);
    hold.open();
    await queue.shutdown();
    expect(maxRunning).toBe(3);
  });

  it('retries failures with a growing back-off, capped, and resets it on success', async () => {
    jest.useFakeTimers();
    // Given a handler that fails until told otherwise
    let fail = true;
    const times: number[] = [];
    const start = Date.now();
    queue = createWorkQueue({
      name: 't',
      backoff: { baseMs: 200, capMs: 1000, jitter: 0 },
      rateLimit: unlimited,
      handler: () => {
        times.push(Date.now() - start);
        return fail ? Promise.reject(new Error('boom')) : Promise.resolve();
      },
    });
    // When the key fails repeatedly
    queue.add('k');
    await jest.advanceTimersByTimeAsync(200 + 400 + 800 + 1000 + 1000);
    // Then the retries came after 200, 400, 800 ms, then at the 1 s cap
    expect(times).toEqual([0, 200, 600, 1400, 2400, 3400]);
    expect(queue.failures('k')).toBe(6);
    // When it then succeeds
    fail = false;
    await jest.advanceTimersByTimeAsync(1000);
    // Then its back-off is reset: a later failure waits the base delay again
    expect(queue.failures('k')).toBe(0);
    fail = true;
    queue.add('k');
    await jest.advanceTimersByTimeAsync(0);
    expect(queue.addRateLimited('other')).toBe(200);
    expect(queue.failures('k')).toBe(1);
  });

  it('addAfter queues the key after the delay, and the earliest pending delay wins', async () => {
    jest.useFakeTimers();
    const seen: Array<[string, number]> = [];
    const start = Date.now();
    queue = createWorkQueue({
      name: 't',
      rateLimit: unlimited,
      handler: (key) => {
        seen.push([key, Date.now() - start]);
        return Promise.resolve();
      },
    });
    // Given a key requested in 5 s, then in 1 s
    queue.addAfter('a', 5000);
    queue.addAfter('a', 1000);
    queue.addAfter('a', 3000);
    queue.addAfter('b', 2000);
    // When time passes
    await jest.advanceTimersByTimeAsync(999);
    expect(seen).toEqual([]);
    await jest.advanceTimersByTimeAsync(6000);
    // Then each key ran once, at its earliest requested time
    expect(seen).toEqual([
      ['a', 1000],
      ['b', 2000],
    ]);
  });

  it('addAfter waits delays past setTimeout’s 2^31-1 ms (a 720 h experiment timeout)', async () => {
    jest.useFakeTimers();
    const seen: string[] = [];
    queue = createWorkQueue({
      name: 't',
      rateLimit: unlimited,
      handler: (key) => {
        seen.push(key);
        return Promise.resolve();
      },
    });
    // Given a requeue 720 h away (more than the 596 h setTimeout takes)
    const hours = 3_600_000;
    queue.addAfter('late', 720 * hours);
    // When 719 h pass, it has not run (a bare setTimeout would have fired after 1 ms)
    await jest.advanceTimersByTimeAsync(719 * hours);
    expect(seen).toEqual([]);
    // Then it runs at 720 h
    await jest.advanceTimersByTimeAsync(hours);
    expect(seen).toEqual(['late']);
  });

  it('requeues a key after requeueAfterMs returned by the handler', async () => {
    jest.useFakeTimers();
    let runs = 0;
    queue = createWorkQueue({
      name: 't',
      rateLimit: unlimited,
      handler: () => {
        runs++;
        return Promise.resolve(runs < 3 ? { requeueAfterMs: 500 } : undefined);
      },
    });
    queue.add('a');
    await jest.advanceTimersByTimeAsync(499);
    expect(runs).toBe(1);
    await jest.advanceTimersByTimeAsync(2000);
    expect(runs).toBe(3);
  });

  it('limits the overall start rate with a token bucket', async () => {
    jest.useFakeTimers();
    // Given a bucket of 2 tokens refilled at 10 per second
    const seen: string[] = [];
    queue = createWorkQueue({
      name: 't',
      concurrency: 10,
      rateLimit: { qps: 10, burst: 2 },
      handler: (key) => {
        seen.push(key);
        return Promise.resolve();
      },
    });
    // When five keys are added at once
    for (const k of ['a', 'b', 'c', 'd', 'e']) queue.add(k);
    await jest.advanceTimersByTimeAsync(0);
    // Then two start now and the rest one per 100 ms
    expect(seen).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(100);
    expect(seen).toHaveLength(3);
    await jest.advanceTimersByTimeAsync(200);
    expect(seen).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('shutdown drains queued and running keys, then refuses new ones', async () => {
    // Given a running key and two queued keys
    const hold = gate();
    const done: string[] = [];
    const handler: WorkHandler = async (key) => {
      if (key === 'a') await hold.promise;
      done.push(key);
    };
    queue = createWorkQueue({ name: 't', rateLimit: unlimited, handler });
    queue.add('a');
    queue.add('b');
    queue.add('c');
    queue.addAfter('delayed', 10);
    // When it shuts down
    const stopped = queue.shutdown();
    queue.add('late');
    let resolved = false;
    void stopped.then(() => (resolved = true));
    await flush();
    // Then it waits for the running key
    expect(resolved).toBe(false);
    hold.open();
    await stopped;
    // And processed the queued keys, but not the delayed or late ones
    expect(done).toEqual(['a', 'b', 'c']);
    expect(queue.isShutDown()).toBe(true);
    expect(queue.depth()).toBe(0);
  });

  it('shutdown without drain only waits for running keys', async () => {
    const hold = gate();
    const done: string[] = [];
    queue = createWorkQueue({
      name: 't',
      rateLimit: unlimited,
      handler: async (key) => {
        if (key === 'a') await hold.promise;
        done.push(key);
      },
    });
    queue.add('a');
    queue.add('b');
    const stopped = queue.shutdown({ drain: false });
    hold.open();
    await stopped;
    expect(done).toEqual(['a']);
  });
});

describe('keys', () => {
  it('are namespace/name, or name for cluster-scoped objects, and split back', () => {
    expect(keyOf({ metadata: { name: 'a', namespace: 'ns' } })).toBe('ns/a');
    expect(keyOf({ metadata: { name: 'node1' } })).toBe('node1');
    expect(splitKey('ns/a')).toEqual({ namespace: 'ns', name: 'a' });
    expect(splitKey('node1')).toEqual({ name: 'node1' });
  });
});
