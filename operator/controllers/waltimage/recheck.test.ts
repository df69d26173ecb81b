import { recheckDecision, type RecheckInput } from './recheck.js';

const base: RecheckInput = {
  generation: 2,
  resolvedGeneration: 2,
  digest: 'sha256:' + 'a'.repeat(64),
  resolvedAt: '2026-11-27T10:00:00Z',
  policy: 'Periodic',
  intervalMs: 3600000,
  pinned: false,
};
const at = (iso: string): number => Date.parse(iso);

describe('recheckDecision', () => {
  it('resolves a new or changed spec at once', () => {
    expect(recheckDecision({ ...base, digest: undefined }, at('2026-11-27T10:01:00Z')).resolveNow).toBe(true);
    expect(recheckDecision({ ...base, generation: 3 }, at('2026-11-27T10:01:00Z')).resolveNow).toBe(true);
    expect(recheckDecision({ ...base, policy: 'Never', generation: 3 }, at('2026-11-27T10:01:00Z'))).toEqual({
      resolveNow: true,
    });
  });

  it('waits for the interval with policy Periodic, then checks again', () => {
    expect(recheckDecision(base, at('2026-11-27T10:15:00Z'))).toEqual({
      resolveNow: false,
      nextCheckInMs: 45 * 60000,
    });
    expect(recheckDecision(base, at('2026-11-27T11:00:00Z'))).toEqual({
      resolveNow: true,
      nextCheckInMs: 3600000,
    });
  });

  it('never re-checks with policy Never or a digest reference', () => {
    expect(recheckDecision({ ...base, policy: 'Never' }, at('2026-11-28T10:00:00Z'))).toEqual({
      resolveNow: false,
    });
    expect(recheckDecision({ ...base, pinned: true }, at('2026-11-28T10:00:00Z'))).toEqual({
      resolveNow: false,
    });
  });
});
