// Log lines of several agents as one (pure but for the iteration): query answers merged in time
// order as they stream, and live streams interleaved as their lines arrive.
import type { ApiLogLine } from '../api/agent/v1.js';

type Head = { line: ApiLogLine; at: number } | undefined;

async function headOf(iterator: AsyncIterator<ApiLogLine>): Promise<Head> {
  const next = await iterator.next();
  return next.done ? undefined : { line: next.value, at: Date.parse(next.value.ts) };
}

/** Index of the earliest head (the first source on equal times), -1 when all ended. */
function earliest(heads: readonly Head[]): number {
  let best = -1;
  heads.forEach((head, i) => {
    if (head && (best < 0 || head.at < heads[best]!.at)) best = i;
  });
  return best;
}

/**
 * Lines of several streams, each in time order, as one stream in time order (equal times: the earlier
 * source first). Holds one line per source: answers of any size merge in constant memory.
 */
export async function* mergeByTime(
  sources: readonly AsyncIterable<ApiLogLine>[],
): AsyncGenerator<ApiLogLine> {
  const iterators = sources.map((s) => s[Symbol.asyncIterator]());
  try {
    const heads = await Promise.all(iterators.map(headOf));
    for (let i = earliest(heads); i >= 0; i = earliest(heads)) {
      yield heads[i]!.line;
      heads[i] = await headOf(iterators[i]!);
    }
  } finally {
    // A caller that stops early (a limit) closes every source, and so its HTTP answer.
    await Promise.allSettled(iterators.map(async (it) => it.return?.()));
  }
}

/** The first `count` items of `source` (all of them when count is undefined). */
export async function* take<T>(source: AsyncIterable<T>, count: number | undefined): AsyncGenerator<T> {
  if (count === undefined) {
    yield* source;
    return;
  }
  if (count <= 0) return;
  let taken = 0;
  for await (const item of source) {
    yield item;
    if (++taken >= count) return;
  }
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
