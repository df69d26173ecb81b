// The data of the log store: what a log line is, what a checkpoint is, what a query asks for.
// These types are shared by both back ends (SQLite, PostgreSQL), the node log intake and the CLI/web API.

/** One log line, as WalT records it (§2.9): when, who, which stream, what. */
export interface LogLine {
  /** When the line was emitted (node-provided or reception time). Stored with millisecond precision. */
  ts: Date;
  /** A node name, `server` (platform and daemon streams) or `agent:<segment>` (a boot agent). */
  issuer: string;
  /** Stream name, e.g. `platform.nodes`, `walt-init`, `netconsole`, `mytest.1234.monitor`. */
  stream: string;
  /** The text, without its trailing newline. A NUL character is stored as U+FFFD (PostgreSQL text cannot hold it). */
  line: string;
}

/** A log line once stored: `id` grows with every append, across restarts, and is never reused. */
export interface StoredLine extends LogLine {
  id: number;
}

/** A named timestamp usable as a query bound (`walt log add-checkpoint`). Names are unique per owner. */
export interface Checkpoint {
  name: string;
  ts: Date;
  /** The user the checkpoint belongs to; checkpoints without an owner are shared. */
  owner?: string;
}

/**
 * What to read. All filters combine (AND). Bounds are inclusive. Regexes are written in JavaScript
 * syntax (Unicode mode, case-sensitive, unanchored search, like WalT's POSIX EREs: the common
 * syntax — literals, `.`, `[...]`, `^`, `$`, `|`, `(...)`, `*`, `+`, `?`, `{m,n}` — means the same)
 * and run in RE2, in linear time: back-references and lookaround are refused (user-regex.ts).
 * Results are ordered by timestamp, then by id (append order for equal timestamps).
 */
export interface LogQuery {
  /** Only these issuers (exact names; at most 256, each at most 253 characters). An empty list matches nothing. */
  issuers?: string[];
  /** Only streams whose name matches (search, not full match: anchor with `^...$`). */
  streamRegex?: string;
  /** Only lines whose text matches. */
  lineRegex?: string;
  from?: Date;
  to?: Date;
  /** Lower bound taken from a checkpoint (exclusive with `from`). */
  fromCheckpoint?: string;
  /** Upper bound taken from a checkpoint (exclusive with `to`). */
  toCheckpoint?: string;
  /** Owner of the checkpoints named above (unset: checkpoints without an owner). */
  checkpointOwner?: string;
  /** At most this many lines (a positive integer). */
  limit?: number;
  order?: 'asc';
}

/** Why a read or a deletion stopped before the end: its time budget ran out. */
export type TruncationReason = 'time-budget';

/**
 * How a read or a deletion shares the event loop: it works in slices of at most `sliceMs` (then lets
 * other callbacks run) and stops after `budgetMs` in all, saying so. Defaults: 5 ms slices, no budget.
 */
export interface ReadOptions {
  /** Time budget, in ms (1 ms to 1 h). A follow's budget covers its history only. */
  budgetMs?: number;
  /** Longest synchronous slice of work, in ms (1 to 1000). */
  sliceMs?: number;
  /** Called once when the budget ends the read (a follow then goes on with live lines). */
  onTruncated?(reason: TruncationReason): void;
}

/** The lines of a read; `truncated` is set once the iteration ended early (budget). */
export interface LogReadResult extends AsyncIterable<StoredLine> {
  readonly truncated: TruncationReason | undefined;
}

/** What `deleteStreams` did: `truncated` means lines of the streams remain (delete again). */
export interface DeleteResult {
  deleted: number;
  truncated?: TruncationReason;
}

/** The streams `deleteStreams` empties: by issuer and/or stream name (at least one of them). */
export type StreamSelector = Pick<LogQuery, 'issuers' | 'streamRegex'>;

/** What `applyRetention` keeps: lines younger than `maxAgeMs` (by timestamp) and the newest `maxLines`. */
export interface RetentionPolicy {
  maxAgeMs?: number;
  maxLines?: number;
  /** The clock for `maxAgeMs` (tests); defaults to the current time. */
  now?: Date;
}
