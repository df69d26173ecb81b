import { jest } from '@jest/globals';
import { LeaseNotifier } from './lease-notifier.js';

describe('LeaseNotifier', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('Given one change, then listeners hear of it at once', () => {
    const notifier = new LeaseNotifier(1000);
    const heard = jest.fn();
    notifier.add(heard);
    notifier.changed();
    expect(heard).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(5000);
    expect(heard).toHaveBeenCalledTimes(1);
  });

  it('Given a burst of changes, then listeners hear once at once and once at the end of the window', () => {
    const notifier = new LeaseNotifier(1000);
    const heard = jest.fn();
    notifier.add(heard);
    for (let i = 0; i < 200; i += 1) notifier.changed();
    expect(heard).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(999);
    expect(heard).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(1);
    expect(heard).toHaveBeenCalledTimes(2);
    jest.advanceTimersByTime(5000);
    expect(heard).toHaveBeenCalledTimes(2);
  });

  it('Given stop, then a change not told yet is dropped', () => {
    const notifier = new LeaseNotifier(1000);
    const heard = jest.fn();
    notifier.add(heard);
    notifier.changed();
    notifier.changed();
    notifier.stop();
    jest.advanceTimersByTime(5000);
    expect(heard).toHaveBeenCalledTimes(1);
  });
});
