// What a database back end provides to the store core (core.ts). The core owns the semantics — query
// validation, stream selection, ordering guarantees, follow cursors, limits; a back end only runs SQL.
// Keeping the split here is what lets SQLite and PostgreSQL pass one contract suite.
import type { StreamSource } from './streams.js';
import type { UserRegex } from './user-regex.js';
import type { WorkClock } from './work-clock.js';

/** A stored row as read: [id, epoch ms, stream id, line]. Arrays, not objects: 1M-row scans stay cheap. */
export type Row = [id: number, tsMs: number, streamId: number, line: string];

/** A row to insert: [epoch ms, stream id, line]. */
export type NewRow = [tsMs: number, streamId: number, line: string];

/** The SQL-side filter of a read. The core re-checks every row, so a back end may filter less, never more. */
export interface RowFilter {
  /** Only these streams; undefined: all. */
  streamIds?: readonly number[];
  fromMs?: number;
  toMs?: number;
  /** The line regex: push it down when the back end can do so exactly and within the read's budget. */
  lineRe?: UserRegex;
}

export interface ScanRequest {
  filter: RowFilter;
  /** Only rows with id ≤ maxId (the state when the query started). */
  maxId: number;
  /** Rows per chunk (a page of the cursor). */
  chunkSize: number;
  /** The query has a limit: the reader will likely stop early (favour a fast first chunk). */
  limited: boolean;
  /**
   * The read's slices and budget. A synchronous back end ends a chunk early when `clock.due` (the
   * reader then lets the event loop run); a back end with a database-side timeout calls
   * `clock.expire()` when it fires and ends the scan.
   */
  clock: WorkClock;
}

export interface CheckpointRow {
  owner: string;
  name: string;
  tsMs: number;
}

export interface LogBackend extends StreamSource {
  /** Inserts rows in one transaction; ids are assigned in array order and commit order = id order. */
  insert(rows: readonly NewRow[]): Promise<void>;
  /** The highest id stored; every row with a lower id is committed (0 when empty). */
  maxId(): Promise<number>;
  /**
   * Rows of `filter` with id ≤ maxId, ordered by (ts, id), in chunks. Breaking out frees the cursor.
   * A synchronous iterable is fine (SQLite reads synchronously): the core reads it with `for await`.
   */
  scan(request: ScanRequest): AsyncIterable<Row[]> | Iterable<Row[]>;
  /** Up to `limit` rows of `filter` with afterId < id ≤ uptoId, in id order (live reads of follow). */
  readRange(request: { filter: RowFilter; afterId: number; uptoId: number; limit: number }): Promise<Row[]>;
  /**
   * Starts watching appends made by other processes (PostgreSQL LISTEN); calls `onAppend` for each.
   * Optional: without it followers poll. Returns the function that stops watching.
   */
  watchAppends?(onAppend: () => void): Promise<() => Promise<void>>;
  /** Adds a checkpoint; false if (owner, name) exists. */
  addCheckpoint(row: CheckpointRow): Promise<boolean>;
  getCheckpoint(owner: string, name: string): Promise<number | undefined>;
  /** All checkpoints (owner undefined) or those of one owner, by ts then name. */
  listCheckpoints(owner?: string): Promise<CheckpointRow[]>;
  /** Removes a checkpoint; false if there was none. */
  removeCheckpoint(owner: string, name: string): Promise<boolean>;
  /** Deletes at most `batch` rows with ts < tsMs; returns how many (fewer than `batch`: none left). */
  deleteOlderThan(tsMs: number, batch: number): Promise<number>;
  /** The id of the `rank`-th newest row (1: the newest), undefined when there are fewer rows. */
  idOfNewest(rank: number): Promise<number | undefined>;
  /** Deletes at most `batch` rows with id < `id`; returns how many (fewer than `batch`: none left). */
  deleteBelowId(id: number, batch: number): Promise<number>;
  /** Deletes at most `batch` lines of these streams; returns how many (fewer than `batch`: none left). */
  deleteStreamLines(streamIds: readonly number[], batch: number): Promise<number>;
  close(): Promise<void>;
}
