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

  it.each(['', 'one day', '5', '-5s', '1d'])('refuses %j', (text) => {
    expect(parseDurationMs(text)).toBeUndefined();
  });
});
