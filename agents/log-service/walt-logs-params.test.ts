import { WebApiBadLogsRange } from './errors.js';
import { parseWaltLogsRequest } from './walt-logs-params.js';
import { codeOf } from '../../test/support/error-code.js';

const NOW = 1_750_000_000_000;

describe('parseWaltLogsRequest', () => {
  it('reads float seconds by default, exact issuer and stream', () => {
    const req = parseWaltLogsRequest(
      { from: '1700000000.5', to: '1700000010', issuer: 'vn1', stream: 'my.stream(1)' },
      NOW,
    );
    expect(req.unit).toBe('s');
    expect(req.query).toEqual({
      from: new Date(1700000000500),
      to: new Date(1700000010000),
      issuers: ['vn1'],
      streamRegex: '^my\\.stream\\(1\\)$',
    });
    expect(new RegExp(req.query.streamRegex!, 'u').test('my.stream(1)')).toBe(true);
    expect(new RegExp(req.query.streamRegex!, 'u').test('myXstream(1)')).toBe(false);
  });

  it('reads milliseconds with ts_unit=ms', () => {
    const req = parseWaltLogsRequest({ from: '1700000000500', to: String(NOW), ts_unit: 'ms' }, NOW);
    expect(req.unit).toBe('ms');
    expect(req.query.from).toEqual(new Date(1700000000500));
  });

  it.each([
    ['no from', { to: '1700000000' }],
    ['no to', { from: '1700000000' }],
    ['an empty from', { from: '', to: '1700000000' }],
    ['a non-float', { from: 'yesterday', to: '1700000000' }],
    ['a bound before 1340000000', { from: '1339999999', to: '1700000000' }],
    ['a bound after now + 2 s', { from: '1700000000', to: String(NOW / 1000 + 3) }],
    ['seconds given as ms', { from: '1700000000', to: '1700000001', ts_unit: 'ms' }],
    ['a bad unit', { from: '1700000000', to: '1700000001', ts_unit: 'us' }],
  ])('refuses %s (400 WALT_ERR_WEBAPI_BAD_LOGS_RANGE)', (_what, qs) => {
    expect(codeOf(() => parseWaltLogsRequest(qs, NOW))).toBe(WebApiBadLogsRange.code);
  });

  it('accepts a bound up to 2 s ahead', () => {
    expect(() =>
      parseWaltLogsRequest({ from: '1700000000', to: String(NOW / 1000 + 1.9) }, NOW),
    ).not.toThrow();
  });
});
