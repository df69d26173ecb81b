// The embedded log store (default): one SQLite file. Writes and short reads go through one connection;
// each query's cursor gets a reader connection of its own (better-sqlite3 cannot interleave a lazy
// iterator with other statements on a connection), returned to a small idle pool when done.
import type Database from 'better-sqlite3';
import type { CheckpointRow, LogBackend, NewRow, Row, RowFilter, ScanRequest } from './backend.js';
import { CoreLogStore } from './core.js';
import { connect } from './sqlite-schema.js';
import type { LogStore } from './store.js';
import type { StreamRow } from './streams.js';

export interface SqliteLogStoreOptions {
  file: string;
  /**
   * Where line regexes run: 'sql' (default) registers a REGEXP function so non-matching rows never
   * leave SQLite; 'js' reads every row of the range and tests it in JavaScript. bench/log-store
   * measures both; 'sql' was faster there.
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

function where(filter: RowFilter, regexIn: 'sql' | 'js', first: { sql: string; params: unknown[] }): Where {
  const parts = [first.sql];
  const params = [...first.params];
  const add = (sql: string, param: unknown): void => {
    parts.push(sql);
    params.push(param);
  };
  if (filter.streamIds !== undefined) {
    add('stream_id IN (SELECT value FROM json_each(?))', JSON.stringify(filter.streamIds));
  }
  if (filter.fromMs !== undefined) add('ts >= ?', filter.fromMs);
  if (filter.toMs !== undefined) add('ts <= ?', filter.toMs);
  if (filter.lineRe !== undefined && regexIn === 'sql') add('line REGEXP ?', filter.lineRe.source);
  return { sql: parts.join(' AND '), params };
}

function take(rows: Iterator<unknown>, count: number): Row[] {
  const chunk: Row[] = [];
  while (chunk.length < count) {
    const next = rows.next();
    if (next.done === true) break;
    chunk.push(next.value as Row);
  }
  return chunk;
}

class SqliteBackend implements LogBackend {
  private readonly db: Database.Database;
  private readonly idleReaders: Database.Database[] = [];
  private readonly busyReaders = new Set<Database.Database>();
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
      deleteOlder: db.prepare('DELETE FROM logs WHERE ts < ?'),
      deleteAll: db.prepare('DELETE FROM logs'),
      // The ids as one JSON array: no limit on bound parameters.
      deleteStreams: db.prepare('DELETE FROM logs WHERE stream_id IN (SELECT value FROM json_each(?))'),
      keepNewest: db.prepare(
        'DELETE FROM logs WHERE id < (SELECT id FROM logs ORDER BY id DESC LIMIT 1 OFFSET ?)',
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

  *scan({ filter, maxId, chunkSize }: ScanRequest): Generator<Row[]> {
    const reader = this.takeReader();
    // `+id`: keep the planner on the ts index (ORDER BY ts) rather than the rowid range of `id <= ?`.
    const w = where(filter, this.regexIn, { sql: '+id <= ?', params: [maxId] });
    const rows = reader
      .prepare(`SELECT ${COLUMNS} FROM logs WHERE ${w.sql} ORDER BY ts, id`)
      .raw(true)
      .iterate(...w.params);
    try {
      for (let chunk = take(rows, chunkSize); chunk.length > 0; chunk = take(rows, chunkSize)) yield chunk;
    } finally {
      rows.return?.();
      this.giveBack(reader);
    }
  }

  readRange(request: { filter: RowFilter; afterId: number; uptoId: number; limit: number }): Promise<Row[]> {
    const w = where(request.filter, this.regexIn, {
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

  deleteOlderThan(tsMs: number): Promise<number> {
    return Promise.resolve(this.stmt.deleteOlder.run(tsMs).changes);
  }

  keepNewest(count: number): Promise<number> {
    const result = count === 0 ? this.stmt.deleteAll.run() : this.stmt.keepNewest.run(count - 1);
    return Promise.resolve(result.changes);
  }

  deleteStreamLines(streamIds: readonly number[]): Promise<number> {
    return Promise.resolve(this.stmt.deleteStreams.run(JSON.stringify(streamIds)).changes);
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
    const reader = this.idleReaders.pop() ?? connect(this.file, 'reader');
    this.busyReaders.add(reader);
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
