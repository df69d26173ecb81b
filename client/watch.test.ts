import type { KubernetesObject } from '@kubernetes/client-node';
import type { Listed } from './objects.js';
import { watchUntil, type WatchFn } from './watch.js';

interface Obj extends KubernetesObject {
  metadata: { name: string };
  ready: boolean;
}

const obj = (name: string, ready: boolean): Obj => ({ metadata: { name }, ready });

/** A scripted API: each list returns the next snapshot; each watch runs the next script. */
function fakeApi(
  lists: Obj[][],
  watches: Array<(emit: (type: string, o: unknown) => void, done: (err: unknown) => void) => void>,
): { list: () => Promise<Listed<Obj>>; watch: WatchFn; calls: { lists: number; watches: string[] } } {
  const calls = { lists: 0, watches: [] as string[] };
  return {
    calls,
    list: () => {
      const items = lists[Math.min(calls.lists, lists.length - 1)]!;
      calls.lists++;
      return Promise.resolve({ items, resourceVersion: String(calls.lists) });
    },
    watch: (_path, query, onEvent, done) => {
      calls.watches.push(String(query.resourceVersion));
      const script = watches.shift();
      const controller = new AbortController();
      setImmediate(() => script?.(onEvent, done));
      return Promise.resolve(controller);
    },
  };
}

const allReady = (objects: ReadonlyMap<string, Obj>): string[] | undefined =>
  [...objects.values()].every((o) => o.ready) ? [...objects.keys()] : undefined;

describe('watchUntil', () => {
  it('returns from the list when it already shows the state', async () => {
    const api = fakeApi([[obj('a', true)]], []);
    const result = await watchUntil({
      path: '/x',
      list: api.list,
      watch: api.watch,
      check: allReady,
      timeoutMs: 1000,
      onTimeout: () => new Error('timeout'),
    });
    expect(result).toEqual(['a']);
    expect(api.calls.watches).toEqual([]);
  });

  it('watches from the list resourceVersion until an event brings the state', async () => {
    const api = fakeApi(
      [[obj('a', false), obj('b', true)]],
      [
        (emit) => {
          emit('BOOKMARK', {});
          emit('MODIFIED', obj('a', true));
        },
      ],
    );
    const result = await watchUntil({
      path: '/x',
      list: api.list,
      watch: api.watch,
      check: allReady,
      timeoutMs: 1000,
      onTimeout: () => new Error('timeout'),
    });
    expect(result).toEqual(['a', 'b']);
    expect(api.calls.watches).toEqual(['1']);
  });

  it('lists again when a watch ends or reports an error', async () => {
    const api = fakeApi(
      [[obj('a', false)], [obj('a', false)], [obj('a', true)]],
      [(_emit, done) => done(new Error('connection reset')), (emit) => emit('ERROR', { code: 410 })],
    );
    const result = await watchUntil({
      path: '/x',
      list: api.list,
      watch: api.watch,
      check: allReady,
      timeoutMs: 1000,
      onTimeout: () => new Error('timeout'),
      relistDelayMs: 1,
    });
    expect(result).toEqual(['a']);
    expect(api.calls).toEqual({ lists: 3, watches: ['1', '2'] });
  });

  it('fails with the check error, or the timeout error from the last objects seen', async () => {
    const deleted = fakeApi([[obj('a', false)]], [(emit) => emit('DELETED', obj('a', false))]);
    await expect(
      watchUntil({
        path: '/x',
        list: deleted.list,
        watch: deleted.watch,
        check: (objects) => {
          if (!objects.has('a')) throw new Error('a is gone');
          return undefined;
        },
        timeoutMs: 1000,
        onTimeout: () => new Error('timeout'),
      }),
    ).rejects.toThrow('a is gone');
    const silent = fakeApi([[obj('a', false)]], [() => undefined]);
    await expect(
      watchUntil({
        path: '/x',
        list: silent.list,
        watch: silent.watch,
        check: allReady,
        timeoutMs: 50,
        onTimeout: (objects) => new Error(`still waiting for ${[...objects.keys()].join(',')}`),
      }),
    ).rejects.toThrow('still waiting for a');
  });
});
