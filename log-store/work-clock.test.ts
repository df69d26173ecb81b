import { WorkClock } from './work-clock.js';

describe('WorkClock', () => {
  it('says a slice is due after sliceMs, and starts a new slice after a pause', async () => {
    // Given a clock at t=0 with 5 ms slices
    let t = 0;
    const clock = new WorkClock({ sliceMs: 5, now: () => t });
    expect(clock.due).toBe(false);
    // When 5 ms of work pass
    t = 5;
    // Then the slice is due, and after a pause a new one starts
    expect(clock.due).toBe(true);
    await clock.step();
    expect(clock.yields).toBe(1);
    expect(clock.due).toBe(false);
    await clock.step();
    expect(clock.yields).toBe(1);
  });

  it('lets other callbacks run while it pauses', async () => {
    let t = 0;
    const clock = new WorkClock({ sliceMs: 1, now: () => t });
    let ran = false;
    setImmediate(() => (ran = true));
    t = 2;
    await clock.step();
    expect(ran).toBe(true);
  });

  it('expires at its budget, or when told to; without a budget never', () => {
    let t = 0;
    const clock = new WorkClock({ sliceMs: 5, budgetMs: 100, now: () => t });
    t = 99;
    expect(clock.expired).toBe(false);
    expect(clock.remainingMs).toBe(1);
    t = 100;
    expect(clock.expired).toBe(true);
    const endless = new WorkClock({ sliceMs: 5, now: () => t });
    t = 1e12;
    expect(endless.expired).toBe(false);
    endless.expire();
    expect(endless.expired).toBe(true);
  });
});
