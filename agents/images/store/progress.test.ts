import { ProgressTracker, type PullProgress } from './progress.js';

describe('ProgressTracker', () => {
  it('sums bytes across layers, throttles reports and always reports the end', () => {
    // Given two layers of 100 and 50 bytes and a clock we move by hand
    let clock = 0;
    const reports: PullProgress[] = [];
    const tracker = new ProgressTracker(
      new Map([
        ['a', 100],
        ['b', 50],
      ]),
      (p) => reports.push(p),
      1000,
      () => clock,
    );
    // When bytes arrive faster than the report interval
    tracker.bytes('a', 10);
    tracker.bytes('a', 20);
    clock = 1500;
    tracker.bytes('b', 25);
    tracker.finish('a');
    tracker.finish('b');
    // Then only spaced reports were made, plus the final one at 100 %
    expect(reports).toEqual([
      { bytesDone: 10, bytesTotal: 150, layersDone: 0, layersTotal: 2 },
      { bytesDone: 45, bytesTotal: 150, layersDone: 0, layersTotal: 2 },
      { bytesDone: 150, bytesTotal: 150, layersDone: 2, layersTotal: 2 },
    ]);
  });

  it('counts cached layers as done without download', () => {
    const reports: PullProgress[] = [];
    const tracker = new ProgressTracker(new Map([['a', 7]]), (p) => reports.push(p));
    tracker.cached('a');
    expect(reports.at(-1)).toEqual({ bytesDone: 7, bytesTotal: 7, layersDone: 1, layersTotal: 1 });
  });
});
