// --timeout values (pure): a duration as the CRDs write them ("90s", "10m", "1h30m"), or a bare
// number of seconds as WalT's `--timeout SECONDS` takes.
import { ERR_CLI_USAGE } from '../client/errors.js';
import { parseDurationMs } from '../common/duration.js';

export function parseTimeout(text: string): number {
  const ms = /^[0-9]+$/.test(text) ? Number(text) * 1000 : parseDurationMs(text);
  if (ms === undefined || ms <= 0) {
    throw ERR_CLI_USAGE(`--timeout ${text}: write a duration such as 90s, 10m or 1h, or a number of seconds`);
  }
  return ms;
}

/** "10m", "1h30m", "90s", "1.5s": the shortest exact form, for messages. */
export function formatDuration(ms: number): string {
  if (ms % 1000 !== 0) return `${ms / 1000}s`;
  let seconds = ms / 1000;
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  const parts = [hours ? `${hours}h` : '', minutes ? `${minutes}m` : '', seconds ? `${seconds}s` : ''];
  return parts.join('') || '0s';
}
