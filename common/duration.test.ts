import { parseDurationMs } from './duration.js';

describe('parseDurationMs', () => {
  it.each([
    ['90s', 90000],
    ['1h30m', 5400000],
    ['1.5h', 5400000],
    ['250ms', 250],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it('reads the largest duration the form allows', () => {
    expect(parseDurationMs('99999h99999m99999s99999ms')).toBe(
      99999 * 3_600_000 + 99999 * 60_000 + 99999 * 1000 + 99999,
    );
  });

  it.each(['', 'one day', '5', '-5s', '1d', '123456h', '1h1m1s1ms1h', '1.1234567890s'])(
    'refuses %j',
    (text) => {
      expect(parseDurationMs(text)).toBeUndefined();
    },
  );
});
