import { jest } from '@jest/globals';
import { clampDelay, clearLongTimeout, MAX_TIMER_DELAY_MS, setLongTimeout } from './timers.js';

const HOUR = 3_600_000;

describe('clampDelay', () => {
  it.each([
    [NaN, 0],
    [-5, 0],
    [0, 0],
    [1500, 1500],
    [597 * HOUR, MAX_TIMER_DELAY_MS],
    [Infinity, MAX_TIMER_DELAY_MS],
  ])('%d ms → %d ms', (ms, expected) => {
    expect(clampDelay(ms)).toBe(expected);
  });

  it('takes a smaller maximum', () => {
    expect(clampDelay(10 * HOUR, HOUR)).toBe(HOUR);
  });
});

describe('setLongTimeout', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('waits 597 h instead of firing at once (what setTimeout does past 2^31-1 ms)', () => {
    // Given a delay just past what setTimeout honours
    const fired = jest.fn();
    setLongTimeout(fired, 597 * HOUR);
    // When a millisecond, then a whole setTimeout maximum passes, it has not fired
    jest.advanceTimersByTime(1);
    expect(fired).not.toHaveBeenCalled();
    jest.advanceTimersByTime(MAX_TIMER_DELAY_MS);
    expect(fired).not.toHaveBeenCalled();
    // Then it fires exactly at 597 h, once
    jest.advanceTimersByTime(597 * HOUR - MAX_TIMER_DELAY_MS - 2);
    expect(fired).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(10_000 * HOUR);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('fires a short delay like setTimeout', () => {
    const fired = jest.fn();
    setLongTimeout(fired, 250);
    jest.advanceTimersByTime(249);
    expect(fired).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('runs NaN and negative delays on the next tick, and Infinity never', () => {
    const soon = jest.fn();
    const never = jest.fn();
    setLongTimeout(soon, NaN);
    setLongTimeout(soon, -1);
    setLongTimeout(never, Infinity);
    jest.advanceTimersByTime(1);
    expect(soon).toHaveBeenCalledTimes(2);
    jest.advanceTimersByTime(3 * MAX_TIMER_DELAY_MS);
    expect(never).not.toHaveBeenCalled();
  });

  it('is cancelled in any link of the chain', () => {
    // Given a timer in its second link
    const fired = jest.fn();
    const timer = setLongTimeout(fired, 2 * MAX_TIMER_DELAY_MS + 5);
    jest.advanceTimersByTime(MAX_TIMER_DELAY_MS + 1);
    // When it is cancelled (twice: idempotent)
    clearLongTimeout(timer);
    timer.cancel();
    clearLongTimeout(undefined);
    // Then it never fires and leaves no timer behind
    jest.advanceTimersByTime(3 * MAX_TIMER_DELAY_MS);
    expect(fired).not.toHaveBeenCalled();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('keeps unref() on every link', () => {
    const timer = setLongTimeout(() => undefined, 2 * MAX_TIMER_DELAY_MS).unref();
    jest.advanceTimersByTime(MAX_TIMER_DELAY_MS);
    expect(jest.getTimerCount()).toBe(1);
    timer.cancel();
  });
});
