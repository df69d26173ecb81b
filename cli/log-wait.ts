// `walt log wait` decides when to stop (pure): mode ANY stops at the first matching line, mode ALL
// once every selected issuer has emitted one (WalT's --mode). The lines given are already filtered by
// the agent (issuers, streams, line regex).
import { ERR_CLI_USAGE } from '../client/errors.js';
import type { ApiLogLine } from '../api/agent/v1.js';

export const WAIT_MODES = ['ANY', 'ALL'] as const;
export type WaitMode = (typeof WAIT_MODES)[number];

export function parseWaitMode(text: string): WaitMode {
  const mode = text.toUpperCase();
  if ((WAIT_MODES as readonly string[]).includes(mode)) return mode as WaitMode;
  throw ERR_CLI_USAGE(`--mode ${text}: use ANY (the first matching line) or ALL (one from every issuer)`);
}

/** Feeds lines; true when the wait is over. `issuers`: the issuers ALL waits for. */
export function createWaitPredicate(
  mode: WaitMode,
  issuers: readonly string[],
): (line: ApiLogLine) => boolean {
  const waiting = new Set(issuers);
  return (line) => {
    if (mode === 'ANY') return true;
    waiting.delete(line.issuer);
    return waiting.size === 0;
  };
}
