import { isWaltError } from '../../common/errors.js';
import { LogsBadParam, LogsBadStreamName } from './errors.js';
import { checkStreamName, parseNodeLines, splitLines, tsModeOf } from './node-lines.js';

const received = new Date(1_750_000_000_000);
const base = { issuer: 'vn1', stream: 'exp', received };

describe('node log intake', () => {
  it('splits text lines, keeping empty ones and a last line without newline', () => {
    expect(splitLines('')).toEqual([]);
    expect(splitLines('a\n\nb\r\nc')).toEqual(['a', '', 'b', 'c']);
    expect(splitLines('a\n')).toEqual(['a']);
  });

  it('stamps lines with the reception time (ts=server)', () => {
    const { lines, dropped } = parseNodeLines({ ...base, mode: 'server', body: '1700000000 x\nhello\n' });
    expect(dropped).toBe(0);
    expect(lines).toEqual([
      { ts: received, issuer: 'vn1', stream: 'exp', line: '1700000000 x' },
      { ts: received, issuer: 'vn1', stream: 'exp', line: 'hello' },
    ]);
  });

  it('reads provided timestamps and drops lines without one (ts=provided)', () => {
    const body = '1749999999.25 first line\nno timestamp\n1749999999.5 \n12abc x\n1749999999.75 last';
    const { lines, dropped } = parseNodeLines({ ...base, mode: 'provided', body });
    expect(dropped).toBe(2);
    expect(lines.map((l) => [l.ts.getTime(), l.line])).toEqual([
      [1749999999250, 'first line'],
      [1749999999500, ''],
      [1749999999750, 'last'],
    ]);
  });

  it('replaces implausible provided timestamps by the reception time', () => {
    const body = '100 too old\n1750000005 too far ahead\n1750000000.9 fine';
    const { lines } = parseNodeLines({ ...base, mode: 'provided', body });
    expect(lines.map((l) => l.ts.getTime())).toEqual([1750000000000, 1750000000000, 1750000000900]);
  });

  it('validates stream names and ts modes', () => {
    expect(() => checkStreamName('my-exp_1.monitor')).not.toThrow();
    for (const bad of ['', 'a b', 'x/y', 'é', 'a'.repeat(129)]) {
      let error: unknown;
      try {
        checkStreamName(bad);
      } catch (err) {
        error = err;
      }
      expect(isWaltError(error, LogsBadStreamName)).toBe(true);
    }
    expect(tsModeOf(undefined)).toBe('server');
    expect(tsModeOf('provided')).toBe('provided');
    expect(() => tsModeOf('local')).toThrow(expect.objectContaining({ code: LogsBadParam.code }) as Error);
  });
});
