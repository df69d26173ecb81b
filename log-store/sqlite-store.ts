// The embedded log store (default): one SQLite file. Writes and short reads go through one connection;
// each query's cursor gets a reader connection of its own (better-sqlite3 cannot interleave a lazy
// iterator with other statements on a connection), returned to a small idle pool when done.
//
// better-sqlite3 is synchronous: one step of a cursor runs on the event loop until SQLite finds the
// next row that passes the WHERE clause. So a scan's filters that can reject rows (several streams,
// the line regex) are one JavaScript function, walt_keep(stream_id, line), evaluated on every row
// examined: it matches with RE2 and answers "keep" as soon as the read's slice is used up, which hands
// the row to the reader (which re-checks it) and ends the chunk — no step examines rows for longer
// than a slice (ADR 0010). The plan is pinned (INDEXED BY) so every examined row reaches walt_keep:
// a single stream by (stream_id, ts), anything else by (ts).
import type Database from 'better-sqlite3';
import type { CheckpointRow, LogBackend, NewRow, Row, RowFilter, ScanRequest } from './backend.js';
import { CoreLogStore } from './core.js';
import { connect } from './sqlite-schema.js';
import type { LogStore } from './store.js';
import type { StreamRow } from './streams.js';
import type { UserRegex } from './user-regex.js';
import type { WorkClock } from './work-clock.js';

export interface SqliteLogStoreOptions {
  file: string;
  /**
   * Where line regexes run: 'sql' (default) tests them in walt_keep so non-matching rows never leave
   * SQLite; 'js' reads every row of the range and tests it in the reader. bench/log-store measures
   * both; 'sql' was faster there. Both use RE2.
   */
  regexIn?: 'sql' | 'js';
  /** Rows per cursor page (default 5000). */
  pageSize?: number;
  /** How often followers look for lines appended by other processes (default 250 ms). */
  pollMs?: number;
}

const MAX_IDLE_READERS = 4;
const COLUMNS = 'id, ts, stream_id, line';

interface Where {
  sql: string;
  params: unknown[];
}

/** What walt_keep tests for the scan running on a reader connection. */
interface KeepState {
  streams?: ReadonlySet<number>;
  lineRe?: UserRegex;
  clock?: WorkClock;
}

function timeRange(filter: RowFilter, parts: string[], params: unknown[]): void {
  if (filter.fromMs !== undefined) {
    parts.push('ts >= ?');
    params.push(filter.fromMs);
  }
  if (filter.toMs !== undefined) {
    parts.push('ts <= ?');
    params.push(filter.toMs);
  }
}

/** Live reads (by id, at most a page of new rows): streams in SQL, the regex in the reader. */
function rangeWhere(filter: RowFilter, first: { sql: string; params: unknown[] }): Where {
  const parts = [first.sql];
  const params = [...first.params];
  if (filter.streamIds !== undefined) {
    parts.push('stream_id IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(filter.streamIds));
  }
  timeRange(filter, parts, params);
  return { sql: parts.join(' AND '), params };
}

/** A history scan: the statement and what walt_keep tests (see the header). */
function scanStatement(
  filter: RowFilter,
  regexIn: 'sql' | 'js',
  maxId: number,
): { sql: string; params: unknown[]; keep: KeepState } {
  // `+id`: keep the planner off the rowid range of `id <= ?` (the order is by ts).
  const parts = ['+id <= ?'];
  const params: unknown[] = [maxId];
  const keep: KeepState = {};
  const single = filter.streamIds?.length === 1;
  if (single) {
    parts.push('stream_id = ?');
    params.push(filter.streamIds![0]);
  } else if (filter.streamIds !== undefined) keep.streams = new Set(filter.streamIds);
  timeRange(filter, parts, params);
  if (filter.lineRe !== undefined && regexIn === 'sql') keep.lineRe = filter.lineRe;
  const filtered = keep.streams !== undefined || keep.lineRe !== undefined;
  if (filtered) parts.push('walt_keep(stream_id, line)');
  const index = single ? ' INDEXED BY logs_stream_ts' : filtered ? ' INDEXED BY logs_ts' : '';
  const sql = `SELECT ${COLUMNS} FROM logs${index} WHERE ${parts.join(' AND ')} ORDER BY ts, id`;
  return { sql, params, keep };
}

/** The function walt_keep of a reader connection, testing what `state` holds for its current scan. */
function keepFunction(state: KeepState): (streamId: number, line: string) => number {
  return (streamId, line) => {
    if (state.clock?.due === true) return 1; // end the step: the reader re-checks this row
    if (state.streams !== undefined && !state.streams.has(streamId)) return 0;
    return state.lineRe === undefined || state.lineRe.test(line) ? 1 : 0;
  };
}

/** Up to `count` rows, fewer when the slice is used up. */
function take(rows: Iterator<unknown>, count: number, clock: WorkClock): Row[] {
  const chunk: Row[] = [];
  while (chunk.length < count) {
    const next = rows.next();
    if (next.done === true) break;
    chunk.push(next.value as Row);
    if (clock.due) break;
  }
  return chunk;
}

class SqliteBackend implements LogBackend {
  private readonly db: Database.Database;
  private readonly idleReaders: Database.Database[] = [];
  private readonly busyReaders = new Set<Database.Database>();
  private readonly keepStates = new WeakMap<Database.Database, KeepState>();
  private readonly regexIn: 'sql' | 'js';
  private readonly stmt;

  constructor(
    private readonly file: string,
    regexIn: 'sql' | 'js',
  ) {
    this.regexIn = regexIn;
    this.db = connect(file, 'writer');
    const db = this.db;
    this.stmt = {
      insert: db.prepare('INSERT INTO logs (ts, stream_id, line) VALUES (?, ?, ?)'),
      maxId: db.prepare('SELECT coalesce(max(id), 0) FROM logs').pluck(),
      streamsAfter: db.prepare('SELECT id, issuer, name FROM log_streams WHERE id > ? ORDER BY id'),
      createStream: db.prepare('INSERT INTO log_streams (issuer, name) VALUES (?, ?) ON CONFLICT DO NOTHING'),
      getStream: db.prepare('SELECT id, issuer, name FROM log_streams WHERE issuer = ? AND name = ?'),
      addCheckpoint: db.prepare(
        'INSERT INTO log_checkpoints (owner, name, ts) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
      ),
      getCheckpoint: db.prepare('SELECT ts FROM log_checkpoints WHERE owner = ? AND name = ?').pluck(),
      removeCheckpoint: db.prepare('DELETE FROM log_checkpoints WHERE owner = ? AND name = ?'),
      deleteOlder: db.prepare('DELETE FROM logs WHERE id IN (SELECT id FROM logs WHERE ts < ? LIMIT ?)'),
      idOfNewest: db.prepare('SELECT id FROM logs ORDER BY id DESC LIMIT 1 OFFSET ?').pluck(),
      deleteBelow: db.prepare(
        'DELETE FROM logs WHERE id IN (SELECT id FROM logs WHERE id < ? ORDER BY id LIMIT ?)',
      ),
      // The ids as one JSON array: no limit on bound parameters. A batch at a time, by (stream_id, ts).
      deleteStreams: db.prepare(
        `DELETE FROM logs WHERE id IN (SELECT id FROM logs INDEXED BY logs_stream_ts
          WHERE stream_id IN (SELECT value FROM json_each(?)) LIMIT ?)`,
      ),
    };
  }

  insert(rows: readonly NewRow[]): Promise<void> {
    const insert = this.stmt.insert;
    // IMMEDIATE: take the write lock up front, so ids are assigned and committed in one order.
    this.db
      .transaction(() => {
        for (const row of rows) insert.run(row[0], row[1], row[2]);
      })
      .immediate();
    return Promise.resolve();
  }

  maxId(): Promise<number> {
    return Promise.resolve(this.stmt.maxId.get() as number);
  }

  streamsAfter(afterId: number): Promise<StreamRow[]> {
    return Promise.resolve(this.stmt.streamsAfter.all(afterId) as StreamRow[]);
  }

  createStreams(keys: readonly { issuer: string; name: string }[]): Promise<StreamRow[]> {
    const { createStream, getStream } = this.stmt;
    const create = this.db.transaction(() =>
      keys.map(({ issuer, name }) => {
        createStream.run(issuer, name);
        return getStream.get(issuer, name) as StreamRow;
      }),
    );
    return Promise.resolve(create.immediate());
  }

  *scan({ filter, maxId, chunkSize, clock }: ScanRequest): Generator<Row[]> {
    const reader = this.takeReader();
    const statement = scanStatement(filter, this.regexIn, maxId);
    const state = this.keepStates.get(reader) as KeepState;
    Object.assign(state, { ...statement.keep, clock });
    const rows = reader
      .prepare(statement.sql)
      .raw(true)
      .iterate(...statement.params);
    try {
      for (let chunk = take(rows, chunkSize, clock); chunk.length > 0; chunk = take(rows, chunkSize, clock)) {
        yield chunk;
      }
    } finally {
      rows.return?.();
      for (const key of Object.keys(state)) delete state[key as keyof KeepState];
      this.giveBack(reader);
    }
  }

  readRange(request: { filter: RowFilter; afterId: number; uptoId: number; limit: number }): Promise<Row[]> {
    const w = rangeWhere(request.filter, {
      sql: 'id > ? AND id <= ?',
      params: [request.afterId, request.uptoId],
    });
    const sql = `SELECT ${COLUMNS} FROM logs WHERE ${w.sql} ORDER BY id LIMIT ?`;
    return Promise.resolve(
      this.db
        .prepare(sql)
        .raw(true)
        .all(...w.params, request.limit) as Row[],
    );
  }

  addCheckpoint(row: CheckpointRow): Promise<boolean> {
    return Promise.resolve(this.stmt.addCheckpoint.run(row.owner, row.name, row.tsMs).changes === 1);
  }

  getCheckpoint(owner: string, name: string): Promise<number | undefined> {
    return Promise.resolve(this.stmt.getCheckpoint.get(owner, name) as number | undefined);
  }

  listCheckpoints(owner?: string): Promise<CheckpointRow[]> {
    const sql = `SELECT owner, name, ts AS tsMs FROM log_checkpoints${owner === undefined ? '' : ' WHERE owner = ?'} ORDER BY ts, name`;
    const statement = this.db.prepare(sql);
    return Promise.resolve((owner === undefined ? statement.all() : statement.all(owner)) as CheckpointRow[]);
  }

  removeCheckpoint(owner: string, name: string): Promise<boolean> {
    return Promise.resolve(this.stmt.removeCheckpoint.run(owner, name).changes === 1);
  }

  deleteOlderThan(tsMs: number, batch: number): Promise<number> {
    return Promise.resolve(this.stmt.deleteOlder.run(tsMs, batch).changes);
  }

  idOfNewest(rank: number): Promise<number | undefined> {
    return Promise.resolve(this.stmt.idOfNewest.get(rank - 1) as number | undefined);
  }

  deleteBelowId(id: number, batch: number): Promise<number> {
    return Promise.resolve(this.stmt.deleteBelow.run(id, batch).changes);
  }

  deleteStreamLines(streamIds: readonly number[], batch: number): Promise<number> {
    return Promise.resolve(this.stmt.deleteStreams.run(JSON.stringify(streamIds), batch).changes);
  }

  close(): Promise<void> {
    for (const reader of [...this.idleReaders, ...this.busyReaders]) reader.close();
    this.idleReaders.length = 0;
    this.busyReaders.clear();
    this.db.pragma('optimize'); // refreshes planner statistics that the (stream_id, ts) choice relies on
    this.db.close();
    return Promise.resolve();
  }

  private takeReader(): Database.Database {
    const reader = this.idleReaders.pop() ?? this.newReader();
    this.busyReaders.add(reader);
    return reader;
  }

  private newReader(): Database.Database {
    const reader = connect(this.file, 'reader');
    const state: KeepState = {};
    // Not deterministic: its answer depends on the clock.
    reader.function('walt_keep', { deterministic: false }, keepFunction(state));
    this.keepStates.set(reader, state);
    return reader;
  }

  private giveBack(reader: Database.Database): void {
    if (!this.busyReaders.delete(reader)) return; // closed by close()
    if (this.idleReaders.length < MAX_IDLE_READERS) this.idleReaders.push(reader);
    else reader.close();
  }
}

/** Opens (creating if needed) the SQLite log store in `options.file`. */
export function openSqliteLogStore(options: SqliteLogStoreOptions): LogStore {
  const backend = new SqliteBackend(options.file, options.regexIn ?? 'sql');
  return new CoreLogStore(backend, { pageSize: options.pageSize ?? 5000, pollMs: options.pollMs ?? 250 });
}
