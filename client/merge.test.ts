import type { ApiLogLine } from '../api/agent/v1.js';
import { interleave, mergeByTime, take } from './merge.js';

const line = (ts: string, issuer: string): ApiLogLine => ({ id: 1, ts, issuer, stream: 's', line: 'x' });

describe('merging agents', () => {
  async function* streamOf<T>(items: readonly T[]): AsyncGenerator<T> {
    for (const item of items) yield await Promise.resolve(item);
  }
  async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
    const seen: T[] = [];
    for await (const item of items) seen.push(item);
    return seen;
  }

  it('merges streamed answers in time order, stable for equal times', async () => {
    const a = [line('2026-01-01T00:00:01.000Z', 'a1'), line('2026-01-01T00:00:03.000Z', 'a2')];
    const b = [line('2026-01-01T00:00:01.000Z', 'b1'), line('2026-01-01T00:00:02.000Z', 'b2')];
    const merged = await collect(mergeByTime([streamOf(a), streamOf([]), streamOf(b)]));
    expect(merged.map((l) => l.issuer)).toEqual(['a1', 'b1', 'b2', 'a2']);
    expect(await collect(mergeByTime([]))).toEqual([]);
  });

  it('takes the first items, all of them without a count', async () => {
    expect(await collect(take(streamOf([1, 2, 3]), 2))).toEqual([1, 2]);
    expect(await collect(take(streamOf([1, 2, 3]), 0))).toEqual([]);
    expect(await collect(take(streamOf([1, 2, 3]), undefined))).toEqual([1, 2, 3]);
  });

  it('interleaves live streams as their items come', async () => {
    const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
    async function* slow(): AsyncGenerator<string> {
      await sleep(30);
      yield 'slow';
    }
    async function* fast(): AsyncGenerator<string> {
      yield 'fast1';
      await sleep(5);
      yield 'fast2';
    }
    const seen: string[] = [];
    for await (const item of interleave([slow(), fast()])) seen.push(item);
    expect(seen).toEqual(['fast1', 'fast2', 'slow']);
  });
});
