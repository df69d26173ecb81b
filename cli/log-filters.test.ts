// The CLI checks a log regex as the agents read it (JavaScript syntax, Unicode mode) before asking them.
import { checkRegex } from './log-filters.js';
import { codeOf } from '../test/support/error-code.js';

/** The code of what `check` throws (undefined if it does not throw). */
describe('checkRegex', () => {
  it('accepts JavaScript syntax in Unicode mode', () => {
    expect(checkRegex('--streams', '^app\\d$')).toBe('^app\\d$');
    expect(checkRegex('--streams', undefined)).toBeUndefined();
  });

  it('refuses a POSIX bracket class, which JavaScript without the u flag would read as a class and a ]', () => {
    expect(codeOf(() => checkRegex('--streams', '^app[[:digit:]]$'))).toBe('WALT_ERR_CLI_BAD_REGEX');
  });

  it('refuses what no JavaScript regex is', () => {
    expect(codeOf(() => checkRegex('the line regex', '('))).toBe('WALT_ERR_CLI_BAD_REGEX');
  });
});
