import { isWaltError } from '../common/errors.js';
import { ERR_CLI_USAGE } from '../client/errors.js';
import { formatDuration, parseTimeout } from './timeout.js';

describe('parseTimeout', () => {
  it('reads durations and bare seconds', () => {
    expect(parseTimeout('10m')).toBe(600_000);
    expect(parseTimeout('1h30m')).toBe(5_400_000);
    expect(parseTimeout('90')).toBe(90_000);
    expect(parseTimeout('1500ms')).toBe(1500);
  });

  it('rejects anything else, and zero', () => {
    for (const bad of ['', 'ten', '10 m', '0', '0s', '-5']) {
      let error: unknown;
      try {
        parseTimeout(bad);
      } catch (e) {
        error = e;
      }
      expect({ bad, usage: isWaltError(error, ERR_CLI_USAGE) }).toEqual({ bad, usage: true });
    }
  });
});

describe('formatDuration', () => {
  it('writes the shortest exact form', () => {
    expect(formatDuration(600_000)).toBe('10m');
    expect(formatDuration(5_430_000)).toBe('1h30m30s');
    expect(formatDuration(1500)).toBe('1.5s');
    expect(formatDuration(0)).toBe('0s');
  });
});
