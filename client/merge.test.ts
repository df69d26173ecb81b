import type { ApiLogLine } from '../api/agent/v1.js';
import { interleave, mergeByTime } from './merge.js';

const line = (ts: string, issuer: string): ApiLogLine => ({ id: 1, ts, issuer, stream: 's', line: 'x' });

describe('merging agents', () => {
  it('merges answers in time order, stable for equal times', () => {
    const a = [line('2026-01-01T00:00:01.000Z', 'a1'), line('2026-01-01T00:00:03.000Z', 'a2')];
    const b = [line('2026-01-01T00:00:01.000Z', 'b1'), line('2026-01-01T00:00:02.000Z', 'b2')];
    expect(mergeByTime([a, b]).map((l) => l.issuer)).toEqual(['a1', 'b1', 'b2', 'a2']);
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
