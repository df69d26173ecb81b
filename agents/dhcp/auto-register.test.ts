import type { WaltNode } from '../../api/v1alpha1/index.js';
import {
  autoRegisterLimitsOf,
  isPendingDiscovered,
  Registrar,
  staleDiscovered,
  type AutoRegisterLimits,
} from './auto-register.js';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-12-05T12:00:00Z');

function node(
  name: string,
  extra: { discovered?: boolean; booted?: boolean; segment?: string; age?: number } = {},
): WaltNode {
  return {
    apiVersion: 'walt.dev/v1alpha1',
    kind: 'WaltNode',
    metadata: {
      name,
      creationTimestamp: new Date(NOW - (extra.age ?? 0)),
      ...(extra.discovered === false ? {} : { labels: { 'walt.dev/discovered': 'true' } }),
    },
    spec: {
      mac: '02:00:00:00:00:01',
      model: 'pc-x86-64',
      segment: extra.segment ?? 'lab',
    } as WaltNode['spec'],
    ...(extra.booted ? { status: { lastBootup: '2026-12-05T11:00:00Z' } } : {}),
  };
}

describe('autoRegisterLimitsOf', () => {
  it('fills in the defaults (32 pending, 60/h, bursts of 16, forget after 24 h)', () => {
    expect(autoRegisterLimitsOf({})).toEqual({
      maxPending: 32,
      perHour: 60,
      burst: 16,
      forgetAfterMs: 24 * HOUR,
    });
  });

  it('clamps what the schema would have refused (an object written before the bounds)', () => {
    const limits = autoRegisterLimitsOf({
      autoRegisterLimits: { maxPending: 1e9, perHour: 0, burst: 1e6, forgetAfter: '99999h' },
    });
    expect(limits).toEqual({ maxPending: 4096, perHour: 1, burst: 256, forgetAfterMs: 720 * HOUR });
    expect(
      autoRegisterLimitsOf({ autoRegisterLimits: { maxPending: 1, perHour: 1, burst: 1, forgetAfter: '1s' } })
        .forgetAfterMs,
    ).toBe(60_000);
  });
});

describe('discovered nodes', () => {
  it('are pending while labelled discovered, on this segment and never booted', () => {
    expect(isPendingDiscovered(node('a'), 'lab')).toBe(true);
    expect(isPendingDiscovered(node('b', { booted: true }), 'lab')).toBe(false);
    expect(isPendingDiscovered(node('c', { discovered: false }), 'lab')).toBe(false);
    expect(isPendingDiscovered(node('d', { segment: 'other' }), 'lab')).toBe(false);
  });

  it('are collected once older than forgetAfter, never when booted, adopted or elsewhere', () => {
    const limits = autoRegisterLimitsOf({});
    const nodes = [
      node('young', { age: 23 * HOUR }),
      node('old', { age: 25 * HOUR }),
      node('old-booted', { age: 25 * HOUR, booted: true }),
      node('old-adopted', { age: 25 * HOUR, discovered: false }),
      node('old-elsewhere', { age: 25 * HOUR, segment: 'other' }),
    ];
    expect(staleDiscovered(nodes, 'lab', limits, NOW).map((n) => n.metadata.name)).toEqual(['old']);
  });
});

describe('Registrar', () => {
  const limits: AutoRegisterLimits = { maxPending: 3, perHour: 60, burst: 2, forgetAfterMs: HOUR };

  it('admits a burst, then one a minute (60/h)', () => {
    const registrar = new Registrar(limits, 0);
    const admit = (at: number): string => registrar.admit(limits, () => 0, at);
    expect([admit(0), admit(0), admit(0)]).toEqual(['admit', 'admit', 'rate-limited']);
    expect(admit(30_000)).toBe('rate-limited');
    expect(admit(60_000)).toBe('admit');
  });

  it('refuses past maxPending without spending a token, and counts nothing while rate limited', () => {
    const registrar = new Registrar(limits, 0);
    let counted = 0;
    const pending = (n: number) => (): number => {
      counted += 1;
      return n;
    };
    expect(registrar.admit(limits, pending(3), 0)).toBe('capped');
    expect(registrar.admit(limits, pending(2), 0)).toBe('admit');
    expect(registrar.admit(limits, pending(2), 0)).toBe('admit');
    expect(counted).toBe(3);
    expect(registrar.admit(limits, pending(0), 0)).toBe('rate-limited');
    expect(counted).toBe(3);
  });

  it('starts a new bucket when the limits change', () => {
    const registrar = new Registrar(limits, 0);
    registrar.admit(limits, () => 0, 0);
    registrar.admit(limits, () => 0, 0);
    expect(registrar.admit({ ...limits, burst: 5 }, () => 0, 0)).toBe('admit');
  });
});
