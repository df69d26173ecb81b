// When to start the router advertisements' dnsmasq again after it exited (pure): 2 s after a crash,
// doubling up to 60 s while it keeps exiting within a minute, so a dnsmasq that cannot start (an
// interface gone, a port taken) does not spin; one that ran a minute or more starts again at 2 s.

export const FIRST_RESTART_DELAY_MS = 2_000;
export const MAX_RESTART_DELAY_MS = 60_000;
/** A run at least this long was healthy: the back-off starts over. */
export const HEALTHY_RUN_MS = 60_000;

export interface RestartState {
  /** Exits in a row, each after a run shorter than HEALTHY_RUN_MS. */
  failures: number;
  /** The delay before the next start (set by nextRestartDelay). */
  delayMs?: number;
}

export function nextRestartDelay(state: RestartState, ranMs: number): Required<RestartState> {
  const failures = ranMs >= HEALTHY_RUN_MS ? 0 : state.failures + 1;
  const delayMs = Math.min(FIRST_RESTART_DELAY_MS * 2 ** Math.max(failures - 1, 0), MAX_RESTART_DELAY_MS);
  return { failures, delayMs };
}
