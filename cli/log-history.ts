// `walt log show --history RANGE` (pure): WalT's ranges — `full` (= ":"), `none`, or
// `[start]:[end]` where a bound is -<n>[smhd] (before now), a checkpoint name, or a date. Dates contain
// colons themselves, so every colon is tried as the separator and the one leaving two valid bounds
// wins (dates are preferred over checkpoint names when both readings are possible).
import { ERR_CLI_BAD_HISTORY } from '../client/errors.js';
import type { LogQueryParams } from '../api/agent/v1.js';
import { isDate, isRelative, parsePointInTime } from './log-dates.js';

export const CHECKPOINT_NAME = /^[a-zA-Z0-9]+[a-zA-Z0-9-]+$/;

type Bound = { kind: 'open' } | { kind: 'time'; at: Date } | { kind: 'checkpoint'; name: string };

/** The query bounds of a history range; undefined for `none` (no history). */
export type HistoryRange = Pick<LogQueryParams, 'since' | 'until' | 'fromCheckpoint' | 'toCheckpoint'>;

function bound(text: string, now: Date): Bound | undefined {
  if (text === '') return { kind: 'open' };
  if (isRelative(text) || isDate(text)) return { kind: 'time', at: parsePointInTime(text, now)! };
  return CHECKPOINT_NAME.test(text) ? { kind: 'checkpoint', name: text } : undefined;
}

const checkpoints = (pair: readonly Bound[]): number => pair.filter((b) => b.kind === 'checkpoint').length;

function readings(range: string, now: Date): Bound[][] {
  const found: Bound[][] = [];
  for (let at = range.indexOf(':'); at >= 0; at = range.indexOf(':', at + 1)) {
    const start = bound(range.slice(0, at), now);
    const end = bound(range.slice(at + 1), now);
    if (start && end) found.push([start, end]);
  }
  return found.sort((a, b) => checkpoints(a) - checkpoints(b));
}

function toParams([start, end]: Bound[]): HistoryRange {
  const params: HistoryRange = {};
  if (start!.kind === 'time') params.since = start!.at.toISOString();
  if (start!.kind === 'checkpoint') params.fromCheckpoint = start!.name;
  if (end!.kind === 'time') params.until = end!.at.toISOString();
  if (end!.kind === 'checkpoint') params.toCheckpoint = end!.name;
  return params;
}

export function parseHistory(range: string, now: Date): HistoryRange | undefined {
  const text = range.trim();
  if (text === 'none') return undefined;
  if (text === 'full') return {};
  if (!text.includes(':')) throw ERR_CLI_BAD_HISTORY(range, 'a range needs a ":" between its bounds');
  const [best, second] = readings(text, now);
  if (!best) throw ERR_CLI_BAD_HISTORY(range, 'its bounds are not relative times, checkpoints or dates');
  if (second && checkpoints(second) === checkpoints(best)) {
    throw ERR_CLI_BAD_HISTORY(range, 'it can be read in several ways');
  }
  const params = toParams(best);
  if (params.since && params.until && params.since > params.until) {
    throw ERR_CLI_BAD_HISTORY(range, 'its start is after its end');
  }
  return params;
}
