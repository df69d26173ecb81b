// The PostgreSQL log store (larger labs; several processes may share it).
//
// Follow's guarantee needs "every id ≤ max(id) is committed". A sequence does not give that by itself:
// two transactions take ids 10 and 11, 11 commits first, a follower moves its cursor to 11 and never
// sees 10. Appends therefore take a transaction-scoped advisory lock before inserting: ids are
// allocated and committed one transaction after the other (throughput is not hurt: each append is one
// multi-row INSERT). Stream creation takes the same lock, so stream ids commit in order too.
// Other processes' appends are signalled with NOTIFY (sent at commit); followers also poll.
//
// Regexes: stream filters are resolved in JavaScript (streams.ts); line regexes are pushed down with
// `~` when posix-regex.ts can translate them exactly and they hold no nested quantifier (PostgreSQL's
// engine can backtrack on those), otherwise applied in the reader only (RE2). Every statement has a
// timeout (pool option), and a history scan's is its read's remaining budget: a timeout there ends the
// scan as truncated. Rows reach the event loop a FETCH at a time; the reader matches them in slices.
import pg from 'pg';
import type { CheckpointRow, LogBackend, NewRow, Row, RowFilter, ScanRequest } from './backend.js';
import { CoreLogStore } from './core.js';
import { pushDownPattern } from './posix-regex.js';
import { APPEND_LOCK, CHANNEL, ensureSchema } from './postgres-schema.js';
import type { LogStore } from './store.js';
import type { StreamRow } from './streams.js';

export interface PostgresLogStoreOptions {
  url: string;
  /** Connections of the pool (default 10); each query being iterated holds one. */
  poolSize?: number;
  /** Rows per cursor page (default 5000). */
  pageSize?: number;
  /** Polling period of followers besides LISTEN/NOTIFY (default 1000 ms). */
  pollMs?: number;
  /** Longest statement (default 60 s); a scan's statements get the read's budget if shorter. */
  statementTimeoutMs?: number;
}

const STATEMENT_TIMEOUT_MS = 60_000;
/** SQLSTATE query_canceled: a statement timeout fired. */
const QUERY_CANCELED = '57014';

const INSERT_CHUNK = 10_000;
// `logs.` in ORDER BY: a bare `id` would name the float8 output column, which no index is sorted by.
const COLUMNS = "id::float8, round(date_part('epoch', ts) * 1000), stream_id, line";
const TS = (param: string): string => `to_timestamp(${param}::float8 / 1000)`;
const INSERT = `INSERT INTO logs (ts, stream_id, line)
  SELECT to_timestamp(t / 1000), s, l FROM unnest($1::float8[], $2::int[], $3::text[]) AS u(t, s, l)`;

interface Where {
  sql: string;
  params: unknown[];
}

function where(filter: RowFilter, first: string, firstParams: unknown[]): Where {
  const parts = [first];
  const params = [...firstParams];
  const add = (sql: (param: string) => string, value: unknown): void => {
    params.push(value);
    parts.push(sql(`$${params.length}`));
  };
  if (filter.streamIds !== undefined) add((p) => `stream_id = ANY(${p}::int[])`, filter.streamIds);
  if (filter.fromMs !== undefined) add((p) => `ts >= ${TS(p)}`, filter.fromMs);
  if (filter.toMs !== undefined) add((p) => `ts <= ${TS(p)}`, filter.toMs);
  const pattern = filter.lineRe === undefined ? undefined : pushDownPattern(filter.lineRe);
  if (pattern !== undefined) add((p) => `line ~ ${p}`, pattern);
  return { sql: parts.join(' AND '), params };
}

async function inTransaction<T>(client: pg.PoolClient, work: () => Promise<T>): Promise<T> {
  try {
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

class PostgresBackend implements LogBackend {
  private readonly cursors = new Set<pg.PoolClient>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly url: string,
    private readonly statementTimeoutMs: number,
  ) {}

  async insert(rows: readonly NewRow[]): Promise<void> {
    await this.locked(async (client) => {
      for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
        const chunk = rows.slice(start, start + INSERT_CHUNK);
        const values = [chunk.map((r) => r[0]), chunk.map((r) => r[1]), chunk.map((r) => r[2])];
        await client.query({ name: 'walt_logs_insert', text: INSERT, values });
      }
      await client.query(`NOTIFY ${CHANNEL}`);
    });
  }

  async maxId(): Promise<number> {
    const { rows } = await this.pool.query<{ m: number }>(
      'SELECT coalesce(max(id), 0)::float8 AS m FROM logs',
    );
    return (rows[0] as { m: number }).m;
  }

  async streamsAfter(afterId: number): Promise<StreamRow[]> {
    const sql = 'SELECT id, issuer, name FROM log_streams WHERE id > $1 ORDER BY id';
    return (await this.pool.query<StreamRow>(sql, [afterId])).rows;
  }

  async createStreams(keys: readonly { issuer: string; name: string }[]): Promise<StreamRow[]> {
    const values = [keys.map((k) => k.issuer), keys.map((k) => k.name)];
    return this.locked(async (client) => {
      await client.query(
        'INSERT INTO log_streams (issuer, name) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING',
        values,
      );
      const sql =
        'SELECT id, issuer, name FROM log_streams WHERE (issuer, name) IN (SELECT * FROM unnest($1::text[], $2::text[]))';
      return (await client.query<StreamRow>(sql, values)).rows;
    });
  }

  /** A server-side cursor in a read-only transaction, like WalT's log queries (which read blocks of 128). */
  async *scan(request: ScanRequest): AsyncGenerator<Row[]> {
    try {
      yield* this.cursorScan(request);
    } catch (error) {
      if ((error as { code?: string }).code !== QUERY_CANCELED) throw error;
      request.clock.expire(); // the budget ran out inside PostgreSQL
    }
  }

  private async *cursorScan({
    filter,
    maxId,
    chunkSize,
    limited,
    clock,
  }: ScanRequest): AsyncGenerator<Row[]> {
    const client = await this.pool.connect();
    this.cursors.add(client);
    try {
      const w = where(filter, 'id <= $1', [maxId]);
      const timeout = Math.max(1, Math.ceil(Math.min(clock.remainingMs, this.statementTimeoutMs)));
      // A cursor is planned for its first 10% by default (fast start); a query read to the end is
      // better planned for its total time (e.g. an issuer's rows by index, then sorted).
      await client.query(
        `BEGIN READ ONLY; SET LOCAL statement_timeout = ${timeout};` +
          (limited ? '' : ' SET LOCAL cursor_tuple_fraction = 1;'),
      );
      const text = `DECLARE walt_scan NO SCROLL CURSOR FOR SELECT ${COLUMNS} FROM logs WHERE ${w.sql} ORDER BY logs.ts, logs.id`;
      await client.query({ text, values: w.params });
      const fetch = { text: `FETCH ${chunkSize} FROM walt_scan`, rowMode: 'array' as const };
      for (
        let rows = await client.query<Row>(fetch);
        rows.rowCount !== 0;
        rows = await client.query<Row>(fetch)
      ) {
        yield rows.rows;
      }
    } finally {
      await this.releaseCursor(client);
    }
  }

  async readRange(request: {
    filter: RowFilter;
    afterId: number;
    uptoId: number;
    limit: number;
  }): Promise<Row[]> {
    const w = where(request.filter, 'id > $1 AND id <= $2', [request.afterId, request.uptoId]);
    const text = `SELECT ${COLUMNS} FROM logs WHERE ${w.sql} ORDER BY logs.id LIMIT ${request.limit}`;
    return (await this.pool.query<Row>({ text, values: w.params, rowMode: 'array' })).rows;
  }

  async watchAppends(onAppend: () => void): Promise<() => Promise<void>> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('error', () => undefined); // connection lost: followers keep polling
    client.on('notification', onAppend);
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    return () => client.end().catch(() => undefined);
  }

  async addCheckpoint(row: CheckpointRow): Promise<boolean> {
    const sql = `INSERT INTO log_checkpoints (owner, name, ts) VALUES ($1, $2, ${TS('$3')}) ON CONFLICT DO NOTHING`;
    return (await this.pool.query(sql, [row.owner, row.name, row.tsMs])).rowCount === 1;
  }

  async getCheckpoint(owner: string, name: string): Promise<number | undefined> {
    const sql =
      "SELECT round(date_part('epoch', ts) * 1000) AS ms FROM log_checkpoints WHERE owner = $1 AND name = $2";
    return (await this.pool.query<{ ms: number }>(sql, [owner, name])).rows[0]?.ms;
  }

  async listCheckpoints(owner?: string): Promise<CheckpointRow[]> {
    const filter = owner === undefined ? '' : 'WHERE owner = $1';
    const sql = `SELECT owner, name, round(date_part('epoch', ts) * 1000) AS "tsMs" FROM log_checkpoints ${filter}
      ORDER BY ts, name COLLATE "C"`;
    return (await this.pool.query<CheckpointRow>(sql, owner === undefined ? [] : [owner])).rows;
  }

  async removeCheckpoint(owner: string, name: string): Promise<boolean> {
    const sql = 'DELETE FROM log_checkpoints WHERE owner = $1 AND name = $2';
    return (await this.pool.query(sql, [owner, name])).rowCount === 1;
  }

  async deleteOlderThan(tsMs: number, batch: number): Promise<number> {
    const sql = `DELETE FROM logs WHERE id IN (SELECT id FROM logs WHERE ts < ${TS('$1')} LIMIT $2)`;
    return (await this.pool.query(sql, [tsMs, batch])).rowCount ?? 0;
  }

  async idOfNewest(rank: number): Promise<number | undefined> {
    const sql = 'SELECT id::float8 AS id FROM logs ORDER BY logs.id DESC OFFSET $1 LIMIT 1';
    return (await this.pool.query<{ id: number }>(sql, [rank - 1])).rows[0]?.id;
  }

  async deleteBelowId(id: number, batch: number): Promise<number> {
    const sql = 'DELETE FROM logs WHERE id IN (SELECT id FROM logs WHERE id < $1 ORDER BY id LIMIT $2)';
    return (await this.pool.query(sql, [id, batch])).rowCount ?? 0;
  }

  async deleteStreamLines(streamIds: readonly number[], batch: number): Promise<number> {
    const sql =
      'DELETE FROM logs WHERE id IN (SELECT id FROM logs WHERE stream_id = ANY($1::integer[]) LIMIT $2)';
    return (await this.pool.query(sql, [streamIds, batch])).rowCount ?? 0;
  }

  async close(): Promise<void> {
    for (const client of this.cursors) client.release(true); // a cursor its reader never finished
    this.cursors.clear();
    await this.pool.end();
  }

  /** Runs `work` in a transaction holding the append lock (see the header). */
  private async locked<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${APPEND_LOCK});`);
      return await inTransaction(client, () => work(client));
    } finally {
      client.release();
    }
  }

  private async releaseCursor(client: pg.PoolClient): Promise<void> {
    if (!this.cursors.delete(client)) return; // already destroyed by close()
    try {
      await client.query('ROLLBACK');
      client.release();
    } catch (error) {
      client.release(error as Error);
    }
  }
}

/** Connects to PostgreSQL at `options.url` and creates the tables if needed. */
export async function openPostgresLogStore(options: PostgresLogStoreOptions): Promise<LogStore> {
  const statementTimeoutMs = options.statementTimeoutMs ?? STATEMENT_TIMEOUT_MS;
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    statement_timeout: statementTimeoutMs,
  });
  pool.on('error', () => undefined); // an idle connection dropped: the next query opens another
  try {
    await ensureSchema(pool);
  } catch (error) {
    await pool.end();
    throw error;
  }
  const backend = new PostgresBackend(pool, options.url, statementTimeoutMs);
  return new CoreLogStore(backend, { pageSize: options.pageSize ?? 5000, pollMs: options.pollMs ?? 1000 });
}
