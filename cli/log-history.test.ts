import { isWaltError } from '../common/errors.js';
import { ERR_CLI_BAD_HISTORY } from '../client/errors.js';
import { parseHistory } from './log-history.js';

const now = new Date('2026-03-01T12:00:00.000Z');

describe('parseHistory', () => {
  it('reads full and none', () => {
    expect(parseHistory('full', now)).toEqual({});
    expect(parseHistory(':', now)).toEqual({});
    expect(parseHistory('none', now)).toBeUndefined();
  });

  it('reads relative bounds against now', () => {
    expect(parseHistory('-5m:', now)).toEqual({ since: '2026-03-01T11:55:00.000Z' });
    expect(parseHistory('-2h:-30s', now)).toEqual({
      since: '2026-03-01T10:00:00.000Z',
      until: '2026-03-01T11:59:30.000Z',
    });
    expect(parseHistory(':-1d', now)).toEqual({ until: '2026-02-28T12:00:00.000Z' });
  });

  it('reads checkpoint names', () => {
    expect(parseHistory('cp1:cp2', now)).toEqual({ fromCheckpoint: 'cp1', toCheckpoint: 'cp2' });
    expect(parseHistory('before-boot:', now)).toEqual({ fromCheckpoint: 'before-boot' });
    expect(parseHistory('cp1:-1m', now)).toEqual({
      fromCheckpoint: 'cp1',
      until: '2026-03-01T11:59:00.000Z',
    });
  });

  it('reads full dates, whose colons are not the separator', () => {
    expect(parseHistory('2026-03-01T10:00:00Z:', now)).toEqual({ since: '2026-03-01T10:00:00.000Z' });
    expect(parseHistory('2026-03-01T10:00:00Z:2026-03-01T11:00:00.5+01:00', now)).toEqual({
      since: '2026-03-01T10:00:00.000Z',
      until: '2026-03-01T10:00:00.500Z',
    });
    const local = parseHistory('2026-03-01 10:00:00:', now);
    expect(local).toEqual({ since: new Date(2026, 2, 1, 10, 0, 0).toISOString() });
  });

  it.each([
    ['-5m', 'no colon'],
    ['-5x:', 'a bad unit'],
    ['a b:', 'a space in a name'],
    ['-1m:-2h', 'a start after the end'],
    ['2026-02-30T00:00:00Z:', 'an impossible date'],
  ])('refuses %s (%s)', (range) => {
    let error: unknown;
    try {
      parseHistory(range, now);
    } catch (e) {
      error = e;
    }
    expect(isWaltError(error, ERR_CLI_BAD_HISTORY)).toBe(true);
  });
});
