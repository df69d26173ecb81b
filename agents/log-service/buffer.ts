// Buffered, ordered appends (WalT flushes its log inserts every 0.3 s or 512 lines): callers' lines
// are queued in call order and written in batches, one batch at a time; each caller's promise settles
// when the batch holding its lines is stored (or failed).
import type { LogLine, LogStore } from '../../log-store/store.js';
import { checkLines } from '../../log-store/lines.js';
import { LogsServiceStopped } from './errors.js';

export interface LogBufferOptions {
  /** Longest wait before queued lines are written (default 300 ms). */
  flushMs?: number;
  /** Queued lines that trigger a write at once (default 512). */
  maxLines?: number;
  /** Called with the size of a batch that could not be stored (its callers get the error too). */
  onLost?: (count: number, err: unknown) => void;
}

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

export const DEFAULT_FLUSH_MS = 300;
export const DEFAULT_MAX_LINES = 512;

export class LogBuffer {
  private queued: LogLine[] = [];
  private waiters: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly flushMs: number;
  private readonly maxLines: number;

  constructor(
    private readonly store: Pick<LogStore, 'append'>,
    private readonly options: LogBufferOptions = {},
  ) {
    this.flushMs = options.flushMs ?? DEFAULT_FLUSH_MS;
    this.maxLines = options.maxLines ?? DEFAULT_MAX_LINES;
  }

  /** Queues `lines` (validated now: a bad line fails this call only) and resolves once they are stored. */
  append(lines: readonly LogLine[]): Promise<void> {
    if (this.closed) return Promise.reject(LogsServiceStopped());
    checkLines(lines);
    if (lines.length === 0) return Promise.resolve();
    this.queued.push(...lines);
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (this.queued.length >= this.maxLines) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.flushMs);
    return done;
  }

  /** Writes what is queued now (after the batches already being written). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.queued.length === 0) return this.chain;
    const batch = this.queued;
    const waiters = this.waiters;
    this.queued = [];
    this.waiters = [];
    this.chain = this.chain.then(() => this.write(batch, waiters));
    return this.chain;
  }

  /** Writes what is queued, then refuses further lines. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private async write(batch: LogLine[], waiters: Waiter[]): Promise<void> {
    try {
      await this.store.append(batch);
      for (const w of waiters) w.resolve();
    } catch (err) {
      this.options.onLost?.(batch.length, err);
      for (const w of waiters) w.reject(err);
    }
  }
}
