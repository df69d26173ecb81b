// Log lines of several agents as one (pure but for the iteration): query answers merged in time
// order, and live streams interleaved as their lines arrive.
import type { ApiLogLine } from '../api/agent/v1.js';

/** Lines of several answers, each in time order, as one list in time order. */
export function mergeByTime(lists: readonly (readonly ApiLogLine[])[]): ApiLogLine[] {
  const all = lists.flat();
  if (lists.filter((l) => l.length > 0).length <= 1) return [...all];
  return all
    .map((line, index) => ({ line, index, at: Date.parse(line.ts) }))
    .sort((a, b) => a.at - b.at || a.index - b.index)
    .map((e) => e.line);
}

type Next<T> = Promise<{ source: number; result: IteratorResult<T> }>;

/** The items of several async iterables as they come; ends when all have ended. */
export async function* interleave<T>(sources: readonly AsyncIterable<T>[]): AsyncGenerator<T> {
  const iterators = sources.map((s) => s[Symbol.asyncIterator]());
  const pending = new Map<number, Next<T>>();
  const pull = (source: number): void => {
    pending.set(
      source,
      iterators[source]!.next().then((result) => ({ source, result })),
    );
  };
  iterators.forEach((_, i) => pull(i));
  try {
    while (pending.size > 0) {
      const { source, result } = await Promise.race(pending.values());
      if (result.done) {
        pending.delete(source);
        continue;
      }
      pull(source);
      yield result.value;
    }
  } finally {
    // Not awaited: a source still waiting for its next line ends when the caller's signal aborts.
    void Promise.allSettled(iterators.map(async (it) => it.return?.()));
  }
}
