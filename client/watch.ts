// Waiting for objects to reach a state: list, then watch from the list's resourceVersion, checking
// after every event. A watch that ends or fails (410 Gone, a dropped connection, watch not allowed)
// falls back to a fresh list after a short pause, so the wait is never stuck on a dead stream.
import * as k8s from '@kubernetes/client-node';
import { clearLongTimeout, setLongTimeout } from '../common/timers.js';
import type { Listed } from './objects.js';

export type WatchFn = (
  path: string,
  query: Record<string, string | boolean | undefined>,
  onEvent: (type: string, obj: unknown) => void,
  done: (err: unknown) => void,
) => Promise<AbortController>;

export interface WatchUntilOptions<T extends k8s.KubernetesObject, R> {
  /** The collection's URL path (ObjectClient.collectionPath). */
  path: string;
  fieldSelector?: string;
  labelSelector?: string;
  list: () => Promise<Listed<T>>;
  /** Looks at the objects by name: a result ends the wait, undefined waits on, a throw fails it. */
  check: (objects: ReadonlyMap<string, T>) => R | undefined;
  timeoutMs: number;
  /** The error when time is up, from the objects as last seen. */
  onTimeout: (objects: ReadonlyMap<string, T>) => Error;
  /** Default: a client-node Watch on `kc`. */
  watch: WatchFn;
  /** Pause before listing again after a watch ended (default 1 s). */
  relistDelayMs?: number;
}

type Round<R> = { done: true; result: R } | { done: false };

export function kubeWatch(kc: k8s.KubeConfig): WatchFn {
  const watcher = new k8s.Watch(kc);
  return (path, query, onEvent, done) => watcher.watch(path, query, onEvent, done);
}

function nameOf(obj: k8s.KubernetesObject): string {
  return obj.metadata?.name ?? '';
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** One watch, until a result, its end, or the deadline. */
function watchRound<T extends k8s.KubernetesObject, R>(
  o: WatchUntilOptions<T, R>,
  objects: Map<string, T>,
  from: { resourceVersion?: string; deadline: number },
): Promise<Round<R>> {
  return new Promise((resolve, reject) => {
    let controller: AbortController | undefined;
    let settled = false;
    const finish = (settle: () => void): void => {
      if (settled) return;
      settled = true;
      clearLongTimeout(timer);
      controller?.abort();
      settle();
    };
    const ended = (): void => finish(() => resolve({ done: false }));
    const timer = setLongTimeout(ended, from.deadline - Date.now());
    const onEvent = (type: string, obj: unknown): void => {
      if (settled) return;
      if (type === 'ERROR') return ended(); // e.g. 410 Gone: the list is too old, list again
      const object = obj as T;
      if (type === 'DELETED') objects.delete(nameOf(object));
      else if (type === 'ADDED' || type === 'MODIFIED') objects.set(nameOf(object), object);
      else return;
      try {
        const result = o.check(objects);
        if (result !== undefined) finish(() => resolve({ done: true, result }));
      } catch (error) {
        finish(() => reject(error instanceof Error ? error : new Error(String(error))));
      }
    };
    const query = {
      resourceVersion: from.resourceVersion,
      fieldSelector: o.fieldSelector,
      labelSelector: o.labelSelector,
    };
    o.watch(o.path, query, onEvent, ended).then((c) => {
      controller = c;
      if (settled) c.abort();
    }, ended);
  });
}

export async function watchUntil<T extends k8s.KubernetesObject, R>(o: WatchUntilOptions<T, R>): Promise<R> {
  const deadline = Date.now() + o.timeoutMs;
  const objects = new Map<string, T>();
  for (;;) {
    const listed = await o.list();
    objects.clear();
    for (const item of listed.items) objects.set(nameOf(item), item);
    const result = o.check(objects);
    if (result !== undefined) return result;
    if (Date.now() >= deadline) throw o.onTimeout(objects);
    const round = await watchRound(o, objects, { resourceVersion: listed.resourceVersion, deadline });
    if (round.done) return round.result;
    if (Date.now() >= deadline) throw o.onTimeout(objects);
    await sleep(Math.min(o.relistDelayMs ?? 1000, deadline - Date.now()));
  }
}
