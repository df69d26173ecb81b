import { ERR_CLI_NO_SEGMENT, ERR_CLI_SEGMENT_NOT_FOUND, ERR_CLI_SEVERAL_SEGMENTS } from '../client/errors.js';
// Which segment a new virtual node joins (pure): the one asked for, else the only one there is (a
// single-lab testbed needs no --segment, as WalT has a single walt-net).

export function pickSegment(existing: readonly string[], wanted?: string): string {
  if (wanted !== undefined) {
    if (!existing.includes(wanted)) throw ERR_CLI_SEGMENT_NOT_FOUND(wanted);
    return wanted;
  }
  if (existing.length === 0) throw ERR_CLI_NO_SEGMENT();
  if (existing.length > 1) throw ERR_CLI_SEVERAL_SEGMENTS(existing);
  return existing[0]!;
}
