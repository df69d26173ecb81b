// The one entry point the operator, agents and CLI use: which back end is configuration, not code.
import { openPostgresLogStore, type PostgresLogStoreOptions } from './postgres-store.js';
import { openSqliteLogStore, type SqliteLogStoreOptions } from './sqlite-store.js';
import type { LogStore } from './store.js';

/** `{ kind: 'sqlite', file }` (embedded, the default) or `{ kind: 'postgres', url }`, plus tuning options. */
export type LogStoreConfig =
  ({ kind: 'sqlite' } & SqliteLogStoreOptions) | ({ kind: 'postgres' } & PostgresLogStoreOptions);

export async function createLogStore(config: LogStoreConfig): Promise<LogStore> {
  if (config.kind === 'sqlite') return openSqliteLogStore(config);
  return openPostgresLogStore(config);
}
