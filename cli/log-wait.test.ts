import type { ApiLogLine } from '../api/agent/v1.js';
import { createWaitPredicate, parseWaitMode } from './log-wait.js';

const from = (issuer: string): ApiLogLine => ({
  id: 1,
  ts: '2026-01-01T00:00:00.000Z',
  issuer,
  stream: 's',
  line: 'ok',
});

describe('walt log wait', () => {
  it('ANY stops at the first matching line', () => {
    const done = createWaitPredicate('ANY', ['vn1', 'vn2']);
    expect(done(from('vn2'))).toBe(true);
  });

  it('ALL waits for a line from every issuer, repeats not counted twice', () => {
    const done = createWaitPredicate('ALL', ['vn1', 'vn2', 'vn3']);
    expect(done(from('vn1'))).toBe(false);
    expect(done(from('vn1'))).toBe(false);
    expect(done(from('vn3'))).toBe(false);
    expect(done(from('vn2'))).toBe(true);
  });

  it('reads the mode in any case, and refuses others', () => {
    expect(parseWaitMode('all')).toBe('ALL');
    expect(() => parseWaitMode('some')).toThrow(/ANY/);
  });
});
