// The store core: the LogStore semantics on top of a LogBackend (backend.ts). Validation, normalisation,
// stream catalogue, checkpoints as bounds, follow's history/live seam, retention rules and closing are
// written once here, so the SQLite and PostgreSQL stores cannot drift apart.
import type { LogBackend, NewRow } from './backend.js';
import { checkCheckpoint, toCheckpoint } from './checkpoints.js';
import {
  LogsBadQuery,
  LogsBadRetention,
  LogsCheckpointExists,
  LogsStoreClosed,
  LogsUnknownCheckpoint,
} from './errors.js';
import { checkLines, normalizeText } from './lines.js';
import { checkOrder, checkReadOptions, compileQuery, DEFAULT_SLICE_MS, type CompiledQuery } from './query.js';
import { QueryReader, type ReaderContext } from './reader.js';
import type { LogStore } from './store.js';
import { StreamCatalog, StreamSelection } from './streams.js';
import type {
  Checkpoint,
  DeleteResult,
  LogLine,
  LogQuery,
  LogReadResult,
  ReadOptions,
  RetentionPolicy,
  StoredLine,
  StreamSelector,
  TruncationReason,
} from './types.js';
import { Wakeup } from './wakeup.js';
import { WorkClock } from './work-clock.js';

/** Lines deleted per statement by deleteStreams: one slice of work at most. */
const DELETE_BATCH = 2000;

/** A read's lines, and whether its budget cut it short (known once the history is read). */
class ReadResult implements LogReadResult {
  truncated: TruncationReason | undefined;

  constructor(private readonly lines: (result: ReadResult) => AsyncGenerator<StoredLine>) {}

  [Symbol.asyncIterator](): AsyncIterator<StoredLine> {
    return this.lines(this);
  }
}

function clockOf(options: ReadOptions): WorkClock {
  checkReadOptions(options);
  return new WorkClock({
    sliceMs: options.sliceMs ?? DEFAULT_SLICE_MS,
    ...(options.budgetMs === undefined ? {} : { budgetMs: options.budgetMs }),
  });
}

export interface CoreOptions {
  /** Rows per page of a cursor (memory bound of a read). */
  pageSize: number;
  /** How often a follower looks for lines that other processes appended without a notification. */
  pollMs: number;
}

function checkRetention(policy: RetentionPolicy): void {
  const { maxAgeMs, maxLines, now } = policy;
  if (maxAgeMs !== undefined && !(Number.isFinite(maxAgeMs) && maxAgeMs >= 0)) {
    throw LogsBadRetention(`maxAgeMs ${maxAgeMs} is not a duration ≥ 0`);
  }
  if (maxLines !== undefined && !(Number.isSafeInteger(maxLines) && maxLines >= 0)) {
    throw LogsBadRetention(`maxLines ${maxLines} is not a whole number ≥ 0`);
  }
  if (now !== undefined && !(now instanceof Date && Number.isFinite(now.getTime()))) {
    throw LogsBadRetention('now is not a valid Date');
  }
}

/** Passes the reader's truncation on to the result and the caller's hook. */
function truncated(reader: QueryReader, options: ReadOptions, result: ReadResult): void {
  if (reader.truncated === undefined) return;
  result.truncated = reader.truncated;
  options.onTruncated?.(reader.truncated);
}

export class CoreLogStore implements LogStore {
  private readonly catalog: StreamCatalog;
  private readonly wakeup = new Wakeup();
  private readonly closing = new AbortController();
  private readonly ctx: ReaderContext;
  private watching: Promise<(() => Promise<void>) | undefined> | undefined;

  constructor(
    private readonly backend: LogBackend,
    options: CoreOptions,
  ) {
    this.catalog = new StreamCatalog(backend);
    this.ctx = { backend, catalog: this.catalog, wakeup: this.wakeup, ...options };
  }

  async append(lines: readonly LogLine[]): Promise<void> {
    this.checkOpen();
    checkLines(lines);
    if (lines.length === 0) return;
    const keys = lines.map((l) => ({ issuer: normalizeText(l.issuer), stream: normalizeText(l.stream) }));
    const streamIds = await this.catalog.idsFor(keys);
    const rows = lines.map((l, i): NewRow => [l.ts.getTime(), streamIds[i] as number, normalizeText(l.line)]);
    await this.backend.insert(rows);
    this.wakeup.pulse();
  }

  query(q: LogQuery, options: ReadOptions = {}): LogReadResult {
    this.checkOpen();
    const query = compileQuery(q);
    checkReadOptions(options);
    return new ReadResult((result) => this.readHistory(query, options, result));
  }

  follow(q: LogQuery, signal: AbortSignal, options: ReadOptions = {}): LogReadResult {
    this.checkOpen();
    const query = compileQuery(q);
    checkReadOptions(options);
    const all = AbortSignal.any([signal, this.closing.signal]);
    return new ReadResult((result) => this.readFollow(query, all, options, result));
  }

  async addCheckpoint(checkpoint: Checkpoint): Promise<void> {
    this.checkOpen();
    checkCheckpoint(checkpoint);
    const owner = checkpoint.owner ?? '';
    const added = await this.backend.addCheckpoint({
      owner,
      name: checkpoint.name,
      tsMs: checkpoint.ts.getTime(),
    });
    if (!added) throw LogsCheckpointExists(checkpoint.name, owner);
  }

  async listCheckpoints(owner?: string): Promise<Checkpoint[]> {
    this.checkOpen();
    return (await this.backend.listCheckpoints(owner)).map(toCheckpoint);
  }

  async removeCheckpoint(name: string, owner = ''): Promise<void> {
    this.checkOpen();
    if (!(await this.backend.removeCheckpoint(owner, name))) throw LogsUnknownCheckpoint(name, owner);
  }

  async applyRetention(policy: RetentionPolicy): Promise<number> {
    this.checkOpen();
    checkRetention(policy);
    // In batches, a slice each: retention runs on the agent's event loop too (ADR 0010).
    const clock = new WorkClock({ sliceMs: DEFAULT_SLICE_MS });
    let deleted = 0;
    if (policy.maxAgeMs !== undefined) {
      const before = (policy.now ?? new Date()).getTime() - policy.maxAgeMs;
      deleted += (await this.deleteInBatches((batch) => this.backend.deleteOlderThan(before, batch), clock))
        .deleted;
    }
    if (policy.maxLines !== undefined) {
      const keep = policy.maxLines;
      const cutoff = keep === 0 ? (await this.backend.maxId()) + 1 : await this.backend.idOfNewest(keep);
      if (cutoff !== undefined) {
        deleted += (await this.deleteInBatches((batch) => this.backend.deleteBelowId(cutoff, batch), clock))
          .deleted;
      }
    }
    return deleted;
  }

  async deleteStreams(selector: StreamSelector, options: ReadOptions = {}): Promise<DeleteResult> {
    this.checkOpen();
    const clock = clockOf(options);
    const { issuers, streamRegex } = selector;
    const query = compileQuery({
      ...(issuers === undefined ? {} : { issuers }),
      ...(streamRegex === undefined ? {} : { streamRegex }),
    });
    const selection = new StreamSelection(query, this.catalog);
    if (!selection.filters) {
      throw LogsBadQuery(
        'say which streams to delete (issuers, a stream regex or both): retention empties the store',
      );
    }
    await this.catalog.refresh();
    const ids: number[] = [];
    for (const stream of this.catalog.streamsFrom(0)) {
      if (selection.has(stream)) ids.push(stream.id);
      await clock.step();
    }
    if (ids.length === 0) return { deleted: 0 };
    return this.deleteInBatches((batch) => this.backend.deleteStreamLines(ids, batch), clock);
  }

  /** Batches of DELETE_BATCH lines, a slice each, until none is left or the budget ends. */
  private async deleteInBatches(
    deleteBatch: (batch: number) => Promise<number>,
    clock: WorkClock,
  ): Promise<DeleteResult> {
    let deleted = 0;
    for (;;) {
      const count = await deleteBatch(DELETE_BATCH);
      deleted += count;
      if (count < DELETE_BATCH) return { deleted };
      await clock.pause();
      if (clock.expired) return { deleted, truncated: 'time-budget' };
      this.checkOpen();
    }
  }

  async close(): Promise<void> {
    if (this.closing.signal.aborted) return;
    this.closing.abort();
    this.wakeup.pulse();
    const stopWatching = await this.watching;
    await stopWatching?.();
    await this.backend.close();
  }

  private checkOpen(): void {
    if (this.closing.signal.aborted) throw LogsStoreClosed();
  }

  private async *readHistory(
    query: CompiledQuery,
    options: ReadOptions,
    result: ReadResult,
  ): AsyncGenerator<StoredLine> {
    try {
      const reader = await this.openReader(query, clockOf(options));
      yield* reader.history(this.closing.signal);
      truncated(reader, options, result);
    } catch (error) {
      throw this.closing.signal.aborted ? LogsStoreClosed() : error;
    }
    if (this.closing.signal.aborted) throw LogsStoreClosed();
  }

  private async *readFollow(
    query: CompiledQuery,
    signal: AbortSignal,
    options: ReadOptions,
    result: ReadResult,
  ): AsyncGenerator<StoredLine> {
    this.watchAppends();
    try {
      const reader = await this.openReader(query, clockOf(options));
      yield* reader.history(signal);
      truncated(reader, options, result);
      yield* reader.live(signal);
    } catch (error) {
      if (!this.closing.signal.aborted) throw error; // closing ends a follow normally
    }
  }

  /** Takes the id mark first, then refreshes the stream catalogue: every stream of a row ≤ mark is known. */
  private async openReader(query: CompiledQuery, clock: WorkClock): Promise<QueryReader> {
    const fromMs = await this.boundOf(query.fromCheckpoint, query.checkpointOwner, query.fromMs);
    const toMs = await this.boundOf(query.toCheckpoint, query.checkpointOwner, query.toMs);
    checkOrder(fromMs, toMs);
    const mark = await this.backend.maxId();
    await this.catalog.refresh();
    const start = {
      query,
      mark,
      clock,
      ...(fromMs === undefined ? {} : { fromMs }),
      ...(toMs === undefined ? {} : { toMs }),
    };
    return new QueryReader(this.ctx, start);
  }

  private async boundOf(
    checkpoint: string | undefined,
    owner: string,
    ms: number | undefined,
  ): Promise<number | undefined> {
    if (checkpoint === undefined) return ms;
    const tsMs = await this.backend.getCheckpoint(owner, checkpoint);
    if (tsMs === undefined) throw LogsUnknownCheckpoint(checkpoint, owner);
    return tsMs;
  }

  /** Starts the back end's cross-process append watch once, on the first follow (polling if it fails). */
  private watchAppends(): void {
    if (this.watching !== undefined || this.backend.watchAppends === undefined) return;
    this.watching = this.backend.watchAppends(() => this.wakeup.pulse()).catch(() => undefined);
  }
}
