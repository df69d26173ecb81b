import type { LogLine } from '../../log-store/store.js';
import { LogBuffer } from './buffer.js';

const line = (text: string): LogLine => ({
  ts: new Date(1_700_000_000_000),
  issuer: 'vn1',
  stream: 's',
  line: text,
});

function fakeStore(delayMs = 0): { batches: string[][]; append(lines: readonly LogLine[]): Promise<void> } {
  const batches: string[][] = [];
  return {
    batches,
    append: async (lines) => {
      await new Promise((r) => setTimeout(r, delayMs));
      batches.push(lines.map((l) => l.line));
    },
  };
}

describe('LogBuffer', () => {
  it('writes lines queued within the flush delay as one batch, then settles every caller', async () => {
    const store = fakeStore();
    const buffer = new LogBuffer(store, { flushMs: 30 });
    const started = Date.now();
    await Promise.all([buffer.append([line('a')]), buffer.append([line('b'), line('c')])]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(store.batches).toEqual([['a', 'b', 'c']]);
  });

  it('writes at once when maxLines are queued, keeping call order across batches', async () => {
    const store = fakeStore(20);
    const buffer = new LogBuffer(store, { flushMs: 10_000, maxLines: 2 });
    const first = buffer.append([line('1'), line('2')]);
    const second = buffer.append([line('3'), line('4'), line('5')]);
    const third = buffer.append([line('6')]);
    await Promise.all([first, second]);
    await buffer.close();
    await third;
    expect(store.batches.flat()).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(store.batches).toEqual([['1', '2'], ['3', '4', '5'], ['6']]);
  });

  it('refuses a bad line at once without touching queued ones', async () => {
    const store = fakeStore();
    const buffer = new LogBuffer(store, { flushMs: 5 });
    const good = buffer.append([line('ok')]);
    expect(() => buffer.append([{ ...line('x'), stream: '' }])).toThrow(
      expect.objectContaining({ code: 'WALT_ERR_LOGS_BAD_LINE' }) as Error,
    );
    await good;
    expect(store.batches).toEqual([['ok']]);
  });

  it('rejects the callers of a batch the store refused and reports the loss', async () => {
    const lost: number[] = [];
    const buffer = new LogBuffer(
      { append: () => Promise.reject(new Error('disk full')) },
      { flushMs: 5, onLost: (n) => lost.push(n) },
    );
    await expect(buffer.append([line('a'), line('b')])).rejects.toThrow('disk full');
    expect(lost).toEqual([2]);
  });

  it('refuses lines after close (503 WALT_ERR_LOGS_SERVICE_STOPPED)', async () => {
    const buffer = new LogBuffer(fakeStore());
    await buffer.close();
    await expect(buffer.append([line('late')])).rejects.toMatchObject({
      code: 'WALT_ERR_LOGS_SERVICE_STOPPED',
    });
  });
});
