// One query's reading: history (a cursor over (ts, id) up to the id high-water mark taken at the start)
// then, for follow, live reads by id after that mark. The mark is the seam that guarantees no gap and no
// duplicate: a line is history iff its id ≤ mark, live iff its id > mark, and the back ends promise that
// every id ≤ the mark they report is committed (commit order = id order).
//
// All the work runs in slices of the read's WorkClock (work-clock.ts): rows are examined and matched
// until the slice is used up, then the event loop runs; the history stops at the budget (truncated).
import type { LogBackend, Row, RowFilter } from './backend.js';
import type { CompiledQuery } from './query.js';
import { StreamSelection, type StreamCatalog } from './streams.js';
import type { StoredLine, TruncationReason } from './types.js';
import type { Wakeup } from './wakeup.js';
import type { WorkClock } from './work-clock.js';

export interface ReaderContext {
  backend: LogBackend;
  catalog: StreamCatalog;
  wakeup: Wakeup;
  pageSize: number;
  pollMs: number;
}

export interface ReadStart {
  query: CompiledQuery;
  /** Resolved bounds (checkpoints looked up). */
  fromMs?: number;
  toMs?: number;
  /** The id high-water mark: history is id ≤ mark. */
  mark: number;
  /** Slices and budget of this read. */
  clock: WorkClock;
}

export class QueryReader {
  private readonly selection: StreamSelection;
  private remaining: number;
  /** Set when the budget ended the history. */
  truncated: TruncationReason | undefined;

  constructor(
    private readonly ctx: ReaderContext,
    private readonly start: ReadStart,
  ) {
    this.selection = new StreamSelection(start.query, ctx.catalog);
    this.remaining = start.query.limit ?? Number.POSITIVE_INFINITY;
  }

  get done(): boolean {
    return this.remaining <= 0;
  }

  /** History: matching lines with id ≤ mark, by (ts, id). */
  async *history(signal: AbortSignal): AsyncGenerator<StoredLine> {
    const filter = this.filter();
    if (filter.streamIds?.length === 0 || this.done) return;
    const { clock } = this.start;
    const scan = this.ctx.backend.scan({
      filter,
      maxId: this.start.mark,
      chunkSize: this.chunkSize(),
      limited: this.start.query.limit !== undefined,
      clock,
    });
    for await (const rows of scan) {
      yield* this.paced(await this.accepted(rows, true), true);
      if (this.done || signal.aborted || this.truncated !== undefined) return;
      await clock.step();
      if (clock.expired) return this.truncate();
    }
    if (clock.expired) this.truncate(); // the back end stopped at its own timeout
  }

  /**
   * Hands the lines over one by one, pausing when the slice is used up: the caller's work on each line
   * (formatting, writing to a socket) runs between our steps without returning to the event loop (an
   * awaited resolved promise is a microtask), so it is counted in the slice too.
   */
  private async *paced(lines: readonly StoredLine[], budgeted: boolean): AsyncGenerator<StoredLine> {
    const { clock } = this.start;
    for (const line of lines) {
      if (clock.due) {
        await clock.pause();
        if (budgeted && clock.expired) return this.truncate();
      }
      yield line;
    }
  }

  /** A small limit asks for small chunks, unless rows may still be dropped here (a line regex). */
  private chunkSize(): number {
    const { pageSize } = this.ctx;
    return this.start.query.lineRe === undefined ? Math.min(pageSize, this.remaining) : pageSize;
  }

  private truncate(): void {
    this.truncated = 'time-budget';
  }

  /** Live: matching lines with id > mark, in id order, until `signal` aborts or the limit is reached. */
  async *live(signal: AbortSignal): AsyncGenerator<StoredLine> {
    let cursor = this.start.mark;
    while (!signal.aborted && !this.done) {
      const seen = this.ctx.wakeup.sequence;
      const { rows, next } = await this.readAfter(cursor);
      cursor = next;
      yield* this.paced(await this.accepted(rows, false), false);
      if (rows.length < this.ctx.pageSize) await this.ctx.wakeup.wait(seen, signal, this.ctx.pollMs);
      else await this.start.clock.pause();
    }
  }

  /**
   * Reads after `cursor` up to the current high-water mark. A short page means every row up to the mark
   * was examined, so the cursor moves to the mark even if nothing matched (no re-scan next time).
   */
  private async readAfter(cursor: number): Promise<{ rows: Row[]; next: number }> {
    const upto = await this.ctx.backend.maxId();
    if (upto <= cursor) return { rows: [], next: cursor };
    if (this.selection.filters) await this.ctx.catalog.refresh(); // new streams may match the filter
    const limit = this.ctx.pageSize;
    const rows = await this.ctx.backend.readRange({
      filter: this.filter(),
      afterId: cursor,
      uptoId: upto,
      limit,
    });
    const last = rows[rows.length - 1];
    return { rows, next: rows.length === limit && last !== undefined ? last[0] : upto };
  }

  private filter(): RowFilter {
    const filter: RowFilter = {};
    const streamIds = this.selection.ids();
    if (streamIds !== undefined) filter.streamIds = streamIds;
    if (this.start.fromMs !== undefined) filter.fromMs = this.start.fromMs;
    if (this.start.toMs !== undefined) filter.toMs = this.start.toMs;
    if (this.start.query.lineRe !== undefined) filter.lineRe = this.start.query.lineRe;
    return filter;
  }

  /**
   * The rows the query keeps, as lines, counted against the limit. Matching runs in slices; with
   * `budgeted` (history), it stops at the budget and the read is truncated.
   */
  private async accepted(rows: readonly Row[], budgeted: boolean): Promise<StoredLine[]> {
    await this.ctx.catalog.learn(rows.map((row) => row[2]));
    const { clock } = this.start;
    const lines: StoredLine[] = [];
    for (const row of rows) {
      if (lines.length >= this.remaining) break;
      if (clock.due) {
        await clock.pause();
        if (budgeted && clock.expired) {
          this.truncate();
          break;
        }
      }
      const line = this.accept(row);
      if (line !== undefined) lines.push(line);
    }
    this.remaining -= lines.length;
    return lines;
  }

  /** The core's own check of every row: back ends may filter less than asked, never more. */
  private accept([id, tsMs, streamId, text]: Row): StoredLine | undefined {
    const { fromMs, toMs, query } = this.start;
    if ((fromMs !== undefined && tsMs < fromMs) || (toMs !== undefined && tsMs > toMs)) return undefined;
    if (query.lineRe !== undefined && !query.lineRe.test(text)) return undefined;
    const stream = this.ctx.catalog.get(streamId);
    if (!this.selection.has(stream)) return undefined;
    return { id, ts: new Date(tsMs), issuer: stream.issuer, stream: stream.name, line: text };
  }
}
