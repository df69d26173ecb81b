// The log store's contract. Two implementations keep the same semantics (checked by one contract suite,
// store-contract.ts): SQLite (embedded, the default) and PostgreSQL (larger labs).
import type {
  Checkpoint,
  DeleteResult,
  LogLine,
  LogQuery,
  LogReadResult,
  ReadOptions,
  RetentionPolicy,
  StreamSelector,
} from './types.js';

export type {
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

export interface LogStore {
  /** Stores a batch atomically (all lines or none), ids in array order. */
  append(lines: readonly LogLine[]): Promise<void>;
  /**
   * The lines matching `q` that were stored when the iteration started, by timestamp then id. Read in
   * pages: memory stays bounded whatever the size. Break out of the loop to stop early (it frees the
   * cursor). Invalid queries throw a coded error at call time; unknown checkpoints on the first step.
   * The work runs in slices of `options.sliceMs` and stops at `options.budgetMs`, setting `truncated`.
   */
  query(q: LogQuery, options?: ReadOptions): LogReadResult;
  /**
   * `query(q)` (history), then every line appended afterwards that matches `q`, in id order, until
   * `signal` aborts or the store closes (the iteration then ends normally). No line is missed or repeated
   * between history and live lines: history is everything up to an id cursor, live lines are after it.
   * `limit` counts both parts. The budget covers the history: when it runs out, `onTruncated` is called
   * and live lines follow (the rest of the history is skipped).
   */
  follow(q: LogQuery, signal: AbortSignal, options?: ReadOptions): LogReadResult;
  /** Throws WALT_ERR_LOGS_CHECKPOINT_EXISTS if the owner already has a checkpoint of that name. */
  addCheckpoint(checkpoint: Checkpoint): Promise<void>;
  /** The checkpoints of `owner` ('' = those without an owner), or all of them when `owner` is unset; by ts. */
  listCheckpoints(owner?: string): Promise<Checkpoint[]>;
  /** Throws WALT_ERR_LOGS_UNKNOWN_CHECKPOINT if there is no such checkpoint. */
  removeCheckpoint(name: string, owner?: string): Promise<void>;
  /** Deletes lines older than `maxAgeMs` and all but the newest `maxLines` (by id); returns how many. */
  applyRetention(policy: RetentionPolicy): Promise<number>;
  /**
   * Deletes every line of the streams `selector` selects (as a query's issuers and streamRegex do);
   * returns how many. Lines appended while it runs may stay. Throws WALT_ERR_LOGS_BAD_QUERY without
   * any selector (emptying the store is retention's job) or with a bad regex. Deletes in batches
   * (slices); at `options.budgetMs` it stops with `truncated` (call it again for the rest).
   */
  deleteStreams(selector: StreamSelector, options?: ReadOptions): Promise<DeleteResult>;
  /** Ends followers, frees cursors and connections. Further calls throw WALT_ERR_LOGS_STORE_CLOSED. */
  close(): Promise<void>;
}
