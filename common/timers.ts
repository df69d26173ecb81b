// Timers for durations that come from a spec or a caller. Node's setTimeout takes at most 2^31-1 ms
// (about 24.8 days, 596 h): a larger delay, NaN or a negative one fires after 1 ms, so a 597 h experiment
// timeout or image recheck interval became a hot loop. setLongTimeout chains timers for longer delays;
// clampDelay bounds a delay where waking early is the better answer (a reconcile that checks again).

/** The largest delay setTimeout honours (a signed 32-bit count of milliseconds). */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** `ms` as a delay a timer honours: NaN and negative values become 0, values above `maxMs` become `maxMs`. */
export function clampDelay(ms: number, maxMs: number = MAX_TIMER_DELAY_MS): number {
  if (Number.isNaN(ms) || ms <= 0) return 0;
  return Math.min(ms, maxMs, MAX_TIMER_DELAY_MS);
}

/** A pending setLongTimeout; cancel() is idempotent. */
export interface LongTimeout {
  cancel(): void;
  /** Like Timeout.unref(): the timer does not keep the process alive (every link of the chain). */
  unref(): LongTimeout;
}

class ChainedTimeout implements LongTimeout {
  private handle: NodeJS.Timeout | undefined;
  private remaining: number;
  private unreferenced = false;

  constructor(
    private readonly fn: () => void,
    ms: number,
  ) {
    this.remaining = Number.isNaN(ms) || ms < 0 ? 0 : ms;
    this.arm();
  }

  private arm(): void {
    const step = Math.min(this.remaining, MAX_TIMER_DELAY_MS);
    this.remaining -= step;
    this.handle = setTimeout(() => {
      this.handle = undefined;
      if (this.remaining > 0) this.arm();
      else this.fn();
    }, step);
    if (this.unreferenced) this.handle.unref();
  }

  cancel(): void {
    clearTimeout(this.handle);
    this.handle = undefined;
    this.remaining = 0;
  }

  unref(): LongTimeout {
    this.unreferenced = true;
    this.handle?.unref();
    return this;
  }
}

/**
 * Calls `fn` once after `ms` milliseconds, however large `ms` is (chaining timers of at most
 * MAX_TIMER_DELAY_MS); NaN and negative delays run it on the next timer tick, Infinity never.
 */
export function setLongTimeout(fn: () => void, ms: number): LongTimeout {
  return new ChainedTimeout(fn, ms);
}

/** Cancels `timer` if there is one (so callers can keep `LongTimeout | undefined`). */
export function clearLongTimeout(timer: LongTimeout | undefined): void {
  timer?.cancel();
}
