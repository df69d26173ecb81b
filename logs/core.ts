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
import { checkOrder, compileQuery, type CompiledQuery } from './query.js';
import { QueryReader, type ReaderContext } from './reader.js';
import type { LogStore } from './store.js';
import { StreamCatalog, StreamSelection } from './streams.js';
import type { Checkpoint, LogLine, LogQuery, RetentionPolicy, StoredLine, StreamSelector } from './types.js';
import { Wakeup } from './wakeup.js';

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

  query(q: LogQuery): AsyncIterable<StoredLine> {
    this.checkOpen();
    return this.readHistory(compileQuery(q));
  }

  follow(q: LogQuery, signal: AbortSignal): AsyncIterable<StoredLine> {
    this.checkOpen();
    return this.readFollow(compileQuery(q), AbortSignal.any([signal, this.closing.signal]));
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
    let deleted = 0;
    if (policy.maxAgeMs !== undefined) {
      deleted += await this.backend.deleteOlderThan((policy.now ?? new Date()).getTime() - policy.maxAgeMs);
    }
    if (policy.maxLines !== undefined) deleted += await this.backend.keepNewest(policy.maxLines);
    return deleted;
  }

  async deleteStreams(selector: StreamSelector): Promise<number> {
    this.checkOpen();
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
    const ids = this.catalog
      .streamsFrom(0)
      .filter((stream) => selection.has(stream))
      .map((stream) => stream.id);
    return ids.length === 0 ? 0 : this.backend.deleteStreamLines(ids);
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

  private async *readHistory(query: CompiledQuery): AsyncGenerator<StoredLine> {
    try {
      const reader = await this.openReader(query);
      yield* reader.history(this.closing.signal);
    } catch (error) {
      throw this.closing.signal.aborted ? LogsStoreClosed() : error;
    }
    if (this.closing.signal.aborted) throw LogsStoreClosed();
  }

  private async *readFollow(query: CompiledQuery, signal: AbortSignal): AsyncGenerator<StoredLine> {
    this.watchAppends();
    try {
      const reader = await this.openReader(query);
      yield* reader.history(signal);
      yield* reader.live(signal);
    } catch (error) {
      if (!this.closing.signal.aborted) throw error; // closing ends a follow normally
    }
  }

  /** Takes the id mark first, then refreshes the stream catalogue: every stream of a row ≤ mark is known. */
  private async openReader(query: CompiledQuery): Promise<QueryReader> {
    const fromMs = await this.boundOf(query.fromCheckpoint, query.checkpointOwner, query.fromMs);
    const toMs = await this.boundOf(query.toCheckpoint, query.checkpointOwner, query.toMs);
    checkOrder(fromMs, toMs);
    const mark = await this.backend.maxId();
    await this.catalog.refresh();
    const start = {
      query,
      mark,
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
