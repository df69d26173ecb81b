// PostgreSQL schema of the log store — WalT's tables (§6.1: logstreams, logs, checkpoints) with an id
// on logs (the follow cursor) and the issuer name in the stream row instead of a devices join.
import type pg from 'pg';

/** Advisory lock keys ("WALT" + n): schema creation, and appends (see postgres-store.ts). */
export const SCHEMA_LOCK = 0x57414c5401;
export const APPEND_LOCK = 0x57414c5402;
export const CHANNEL = 'walt_logs';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS log_streams (
  id serial PRIMARY KEY,
  issuer text NOT NULL,
  name text NOT NULL,
  UNIQUE (issuer, name)
);
CREATE TABLE IF NOT EXISTS logs (
  id bigserial PRIMARY KEY,
  ts timestamptz NOT NULL,
  stream_id integer NOT NULL,
  line text NOT NULL
);
CREATE INDEX IF NOT EXISTS logs_ts_id ON logs (ts, id);
CREATE INDEX IF NOT EXISTS logs_stream_ts_id ON logs (stream_id, ts, id);
CREATE TABLE IF NOT EXISTS log_checkpoints (
  owner text NOT NULL,
  name text NOT NULL,
  ts timestamptz NOT NULL,
  PRIMARY KEY (owner, name)
);
`;

/** Creates the tables if needed. Under a lock: concurrent CREATE ... IF NOT EXISTS can still collide. */
export async function ensureSchema(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${SCHEMA_LOCK});`);
    await client.query(SCHEMA);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
