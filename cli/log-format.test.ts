import { isWaltError } from '../common/errors.js';
import { ERR_CLI_BAD_LOG_FORMAT } from '../client/errors.js';
import type { ApiLogLine } from '../api/agent/v1.js';
import { DEFAULT_LOG_FORMAT, compileLogFormat, strftime } from './log-format.js';

// A local time, as WalT prints timestamps in the client's time zone.
const at = new Date(2026, 0, 2, 3, 4, 5, 678);
const line: ApiLogLine = {
  id: 1,
  ts: at.toISOString(),
  issuer: 'vn1',
  stream: 'walt-init',
  line: 'Starting up.',
};

describe('log formats', () => {
  it("prints WalT's default format", () => {
    expect(compileLogFormat(DEFAULT_LOG_FORMAT)(line)).toBe('03:04:05.678000 vn1.walt-init -> Starting up.');
  });

  it('takes any strftime specification and Python braces', () => {
    const format = compileLogFormat('{{{issuer}}} {timestamp:%Y-%m-%d %H:%M:%S} [{stream}] {line} 100%');
    expect(format(line)).toBe('{vn1} 2026-01-02 03:04:05 [walt-init] Starting up. 100%');
    expect(compileLogFormat('{timestamp}')(line)).toBe('2026-01-02 03:04:05.678000');
    expect(strftime('%b %d %I%p %%', at)).toBe('Jan 02 03AM %');
  });

  it.each(['{time}', '{issuer:%H}', '{timestamp:%Q}', 'a { b', 'a } b'])('refuses %s', (template) => {
    let error: unknown;
    try {
      compileLogFormat(template);
    } catch (e) {
      error = e;
    }
    expect(isWaltError(error, ERR_CLI_BAD_LOG_FORMAT)).toBe(true);
  });
});
