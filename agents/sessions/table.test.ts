import { codeOf } from '../../test/support/error-code.js';
import { isWaltError } from '../../common/errors.js';
import { SessionLimit } from './errors.js';
import { SESSION_ID_PATTERN, SessionTable } from './table.js';

describe('SessionTable', () => {
  it('caps sessions per node and per agent, and frees a place on remove', () => {
    const table = new SessionTable({ perNode: 2, perAgent: 3 });
    const a1 = table.add('a', 1000);
    table.add('a', 1000);
    expect(codeOf(() => table.add('a', 1000))).toBe(SessionLimit.code);
    table.add('b', 1000);
    let caught: unknown;
    try {
      table.checkRoom('c');
    } catch (err) {
      caught = err;
    }
    expect(isWaltError(caught, SessionLimit)).toBe(true);
    table.remove(a1.id);
    expect(() => table.checkRoom('a')).not.toThrow();
    expect(table.size).toBe(2);
  });

  it('gives 256-bit secrets and URL-safe ids, different each time', () => {
    const table = new SessionTable({ perNode: 10, perAgent: 10 });
    const one = table.add('a', 0);
    const two = table.add('a', 0);
    expect(one.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(one.id).toMatch(SESSION_ID_PATTERN);
    expect(one.secret).not.toBe(two.secret);
    expect(one.id).not.toBe(two.id);
  });

  it('accepts the right secret once, from the right node, before the deadline', () => {
    const table = new SessionTable({ perNode: 10, perAgent: 10 });
    const entry = table.add('a', 5000);
    expect(table.claim('b', entry.id, entry.secret, 0)).toEqual({ ok: false, reason: 'unknown' });
    expect(table.claim('a', 'ffffffffffffffff', entry.secret, 0)).toEqual({ ok: false, reason: 'unknown' });
    expect(table.claim('a', '../x', entry.secret, 0)).toEqual({ ok: false, reason: 'unknown' });
    expect(table.claim('a', entry.id, entry.secret.replace(/.$/, 'x'), 0)).toEqual({
      ok: false,
      reason: 'secret',
    });
    expect(table.claim('a', entry.id, 'short', 0)).toEqual({ ok: false, reason: 'secret' });
    expect(table.claim('a', entry.id, entry.secret, 5001)).toEqual({ ok: false, reason: 'expired' });
    expect(table.claim('a', entry.id, entry.secret, 5000)).toMatchObject({ ok: true });
    expect(table.claim('a', entry.id, entry.secret, 5000)).toEqual({ ok: false, reason: 'claimed' });
  });
});
