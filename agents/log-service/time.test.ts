import {
  dateToEpoch,
  epochToDate,
  localDateTime,
  parseFloatStrict,
  parseTimeParam,
  rfc3339ms,
} from './time.js';

describe('timestamps', () => {
  it('converts float epochs in seconds and milliseconds', () => {
    expect(epochToDate(1717171717.25, 's').getTime()).toBe(1717171717250);
    expect(epochToDate(1717171717250.4, 'ms').getTime()).toBe(1717171717250);
    expect(dateToEpoch(new Date(1717171717250), 's')).toBe(1717171717.25);
    expect(dateToEpoch(new Date(1717171717250), 'ms')).toBe(1717171717250);
  });

  it('writes RFC 3339 with milliseconds and WalT local dates', () => {
    const date = new Date(2024, 0, 2, 3, 4, 5, 678);
    expect(localDateTime(date)).toBe('2024-01-02 03:04:05');
    expect(rfc3339ms(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)))).toBe('2024-01-02T03:04:05.006Z');
  });

  it.each([
    ['1717171717250', 1717171717250],
    ['2024-06-01T12:00:00Z', Date.UTC(2024, 5, 1, 12)],
    ['2024-06-01T12:00:00.5+02:00', Date.UTC(2024, 5, 1, 10, 0, 0, 500)],
  ])('reads the time parameter %s', (text, ms) => {
    expect(parseTimeParam(text)?.getTime()).toBe(ms);
  });

  it.each(['yesterday', '2024-06-01', '12.5', '2024-13-45T99:00:00Z', '', '9999999999999999'])(
    'refuses %j',
    (text) => {
      expect(parseTimeParam(text)).toBeUndefined();
    },
  );

  it('reads strict floats only', () => {
    expect(parseFloatStrict('1717171717.25')).toBe(1717171717.25);
    expect(parseFloatStrict('.5')).toBe(0.5);
    expect(parseFloatStrict('1e3')).toBe(1000);
    for (const bad of ['', 'abc', '1.2.3', 'Infinity', '0x10', ' 1'])
      expect(parseFloatStrict(bad)).toBeUndefined();
  });
});
