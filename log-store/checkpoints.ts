// Checkpoint rules shared by both back ends (WalT: names `^[a-zA-Z0-9]+[a-zA-Z0-9\-]+$`, per user).
import { LogsBadCheckpointName, LogsBadTimeRange } from './errors.js';
import type { Checkpoint } from './types.js';

const NAME = /^[a-zA-Z0-9]+[a-zA-Z0-9-]+$/;

export function checkCheckpointName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !NAME.test(name)) throw LogsBadCheckpointName(String(name));
}

export function checkCheckpoint(checkpoint: Checkpoint): void {
  checkCheckpointName(checkpoint.name);
  if (!(checkpoint.ts instanceof Date) || Number.isNaN(checkpoint.ts.getTime())) {
    throw LogsBadTimeRange(`checkpoint "${checkpoint.name}": ts is not a valid Date`);
  }
}

/** Stored rows use '' for "no owner" (a primary key column cannot be NULL); the API leaves `owner` out. */
export function toCheckpoint(row: { name: string; tsMs: number; owner: string }): Checkpoint {
  const checkpoint: Checkpoint = { name: row.name, ts: new Date(row.tsMs) };
  if (row.owner !== '') checkpoint.owner = row.owner;
  return checkpoint;
}
