import { canAcquire, leaseExpiry } from './leader-election.js';

const at = (iso: string): number => new Date(iso).getTime();
const renewTime = '2026-01-01T10:00:00.000000Z' as unknown as Date;

describe('lease arithmetic', () => {
  it('a held lease expires leaseDurationSeconds after its renewTime', () => {
    expect(leaseExpiry({ holderIdentity: 'a', renewTime, leaseDurationSeconds: 15 })).toBe(
      at('2026-01-01T10:00:15Z'),
    );
  });

  it('a lease without a holder is free', () => {
    expect(leaseExpiry({ renewTime, leaseDurationSeconds: 15 })).toBeUndefined();
    expect(
      canAcquire(
        { holderIdentity: '', renewTime, leaseDurationSeconds: 15 },
        'b',
        at('2026-01-01T10:00:01Z'),
      ),
    ).toBe(true);
  });

  it('another holder keeps it until it expires; then anyone may take it', () => {
    // Given a lease held by a, renewed at 10:00:00 for 15 s
    const spec = { holderIdentity: 'a', renewTime, leaseDurationSeconds: 15 };
    // Then b may not take it before 10:00:15, and may after
    expect(canAcquire(spec, 'b', at('2026-01-01T10:00:14.999Z'))).toBe(false);
    expect(canAcquire(spec, 'b', at('2026-01-01T10:00:15Z'))).toBe(true);
    // And the holder itself may always renew
    expect(canAcquire(spec, 'a', at('2026-01-01T10:00:01Z'))).toBe(true);
  });
});
