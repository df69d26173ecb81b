import { rebootNode } from '../../test/support/fixtures/reboot-node.js';
import type { WaltNode } from '../v1alpha1/index.js';
import {
  bootedSince,
  decideRequestedReboot,
  handledRequest,
  isBooted,
  powerDriverOf,
  rebootPending,
} from './reboot.js';

const T1 = '2026-11-27T10:00:00.123Z';
const T2 = '2026-11-27T10:05:00.000Z';

const node = rebootNode;

describe('decideRequestedReboot', () => {
  it('reboots for a request newer than the last one handled', () => {
    expect(decideRequestedReboot(node({ requested: T1 }))).toEqual({
      reboot: true,
      requestedAt: T1,
      generation: 2,
    });
    expect(decideRequestedReboot(node({ requested: T2, handled: T1 }))).toMatchObject({ reboot: true });
  });

  it('does nothing without a request, for a bad one, or for one already handled', () => {
    expect(decideRequestedReboot(node())).toMatchObject({ why: 'NoRequest' });
    expect(decideRequestedReboot(node({ requested: 'yesterday' }))).toMatchObject({ why: 'InvalidRequest' });
    // A date Date.parse reads but the status could not record (it has a space)
    expect(decideRequestedReboot(node({ requested: '2026-11-27 10:00:00' }))).toMatchObject({
      why: 'InvalidRequest',
    });
    expect(decideRequestedReboot(node({ requested: T1, handled: T1 }))).toMatchObject({
      why: 'AlreadyHandled',
    });
    expect(decideRequestedReboot(node({ requested: T1, handled: T2 }))).toMatchObject({
      why: 'AlreadyHandled',
    });
    // Handled by this process, not recorded yet
    expect(decideRequestedReboot(node({ requested: T1 }), T1)).toMatchObject({ why: 'AlreadyHandled' });
  });
});

describe('decideRequestedReboot with a claim', () => {
  const claimed = (rebootRequestedAt: string, options: Parameters<typeof node>[0] = {}): WaltNode => {
    const n = node(options);
    n.status = { ...n.status, claimedBy: { namespace: 'lab', name: 'exp1', rebootRequestedAt } };
    return n;
  };

  it("reboots for the claim's request (an experiment's), like a user's", () => {
    expect(decideRequestedReboot(claimed(T1))).toMatchObject({ reboot: true, requestedAt: T1 });
    expect(decideRequestedReboot(claimed(T1, { handled: T1 }))).toMatchObject({ why: 'AlreadyHandled' });
  });

  it("takes the newest of the user's and the claim's requests", () => {
    expect(decideRequestedReboot(claimed(T2, { requested: T1, handled: T1 }))).toMatchObject({
      reboot: true,
      requestedAt: T2,
    });
    expect(decideRequestedReboot(claimed(T1, { requested: T2, handled: T1 }))).toMatchObject({
      requestedAt: T2,
    });
    // An invalid annotation does not hide the claim's valid request
    expect(decideRequestedReboot(claimed(T1, { requested: 'yesterday' }))).toMatchObject({ requestedAt: T1 });
  });
});

describe('handledRequest', () => {
  it('reads the request time back from the RebootRequest condition', () => {
    expect(handledRequest(node({ handled: T1 }))).toBe(T1);
    expect(handledRequest(node())).toBeUndefined();
  });
});

describe('powerDriverOf', () => {
  it('is qemu for a virtual node left at none, the spec for any other node', () => {
    expect(powerDriverOf(node({ driver: 'none' }))).toBe('qemu');
    expect(powerDriverOf(node({ driver: 'webhook' }))).toBe('webhook');
    expect(powerDriverOf(node({ driver: 'none', virtual: false }))).toBe('none');
    expect(powerDriverOf(node({ driver: 'snmp-poe', virtual: false }))).toBe('snmp-poe');
  });
});

describe('rebootPending', () => {
  it('is true while a request is newer than the one the status records as handled', () => {
    expect(rebootPending(node({ requested: T2, handled: T1 }))).toBe(true);
    expect(rebootPending(node({ requested: T1, handled: T1 }))).toBe(false);
    expect(rebootPending(node())).toBe(false);
  });

  it('counts a virtual node left at driver none: its agent reboots it like any VM', () => {
    // Before the rule moved to api/, only driver qemu counted, and `walt node wait` returned at once.
    expect(rebootPending(node({ requested: T2, driver: 'none' }))).toBe(true);
  });

  it('counts a physical node with a power driver, not one without (nobody could reboot it)', () => {
    expect(rebootPending(node({ requested: T2, driver: 'snmp-poe', virtual: false }))).toBe(true);
    expect(rebootPending(node({ requested: T2, driver: 'none', virtual: false }))).toBe(false);
  });
});

describe('isBooted', () => {
  it('is Ready with no reboot pending', () => {
    expect(isBooted(node())).toBe(true);
    expect(isBooted(node({ requested: T2, handled: T1 }))).toBe(false);
    const booting = node();
    booting.status = { phase: 'Booting' };
    expect(isBooted(booting)).toBe(false);
  });
});

describe('bootedSince', () => {
  const booted = (lastBootup?: string): WaltNode => {
    const n = node();
    if (lastBootup) n.status!.lastBootup = lastBootup;
    return n;
  };
  const start = Date.parse('2026-11-27T10:00:00.500Z');

  it('is true for a bootup notified in a later second than the start', () => {
    expect(bootedSince(booted('2026-11-27T10:00:30Z'), start)).toBe(true);
    expect(bootedSince(booted('2026-11-27T10:00:01Z'), start)).toBe(true);
  });

  it('is false for a bootup of the same second: the boot before (no boot takes under a second)', () => {
    // The race an end-to-end run hit: a node back from one reboot at 11:57:32, the next reboot asked
    // for at 11:57:32.4; counting that bootup ran the next step on a node about to go down.
    expect(bootedSince(booted('2026-11-27T10:00:00Z'), start)).toBe(false);
  });

  it('is false for a bootup of an earlier run, or none', () => {
    expect(bootedSince(booted('2026-11-27T09:59:00Z'), start)).toBe(false);
    expect(bootedSince(booted(), start)).toBe(false);
    expect(bootedSince(booted('2026-11-27T10:00:30Z'), undefined)).toBe(false);
  });
});
