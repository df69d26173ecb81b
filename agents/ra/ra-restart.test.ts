import { FIRST_RESTART_DELAY_MS, MAX_RESTART_DELAY_MS, nextRestartDelay } from './ra-restart.js';

describe('nextRestartDelay', () => {
  it('Given a first crash, then the restart comes after 2 s', () => {
    expect(nextRestartDelay({ failures: 0 }, 1_000)).toEqual({
      failures: 1,
      delayMs: FIRST_RESTART_DELAY_MS,
    });
  });

  it('Given crashes in a row within a minute, then the delay doubles up to 60 s', () => {
    let state = nextRestartDelay({ failures: 0 }, 10);
    const delays = [state.delayMs];
    for (let i = 0; i < 7; i++) {
      state = nextRestartDelay(state, 10);
      delays.push(state.delayMs);
    }
    expect(delays).toEqual([2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]);
    expect(Math.max(...delays)).toBe(MAX_RESTART_DELAY_MS);
  });

  it('Given a run of a minute or more before the crash, then the back-off starts over', () => {
    expect(nextRestartDelay({ failures: 6 }, 60_000)).toEqual({
      failures: 0,
      delayMs: FIRST_RESTART_DELAY_MS,
    });
  });
});
