import type { WaltError } from '../../common/errors.js';
import { parseCidr, ipToInt } from './ipv4.js';
import {
  allocate,
  bind,
  boundHolder,
  decline,
  emptyLeases,
  mayHave,
  offer,
  prune,
  release,
  type LeaseState,
  type Pool,
} from './leases.js';
import { parseLeaseFile, serialiseLeases } from './lease-file.js';

const pool = (reserved: Array<[string, string]> = []): Pool => ({
  subnet: parseCidr('10.0.0.0/24'),
  serverIp: '10.0.0.1',
  range: { start: ipToInt('10.0.0.100'), end: ipToInt('10.0.0.101') },
  reserved: new Map(reserved),
});
const NOW = 1_000_000;
const HOUR = 3_600_000;

describe('allocate', () => {
  it('Given two MACs, then they never share an address, and the range runs out', () => {
    let state: LeaseState = emptyLeases();
    const a = allocate(state, { mac: 'a' }, pool(), NOW);
    state = offer(state, 'a', a!, NOW + 60_000);
    const b = allocate(state, { mac: 'b' }, pool(), NOW);
    state = offer(state, 'b', b!, NOW + 60_000);
    expect(new Set([a, b]).size).toBe(2);
    expect(allocate(state, { mac: 'c' }, pool(), NOW)).toBeUndefined();
  });

  it('gives a returning MAC its expired address back, and others an expired address when needed', () => {
    const state = bind(emptyLeases(), { mac: 'a', ip: '10.0.0.101', expiresAt: NOW - 1 });
    expect(allocate(state, { mac: 'a' }, pool(), NOW)).toBe('10.0.0.101');
    expect(allocate(state, { mac: 'b', requestedIp: '10.0.0.101' }, pool(), NOW)).toBe('10.0.0.101');
  });

  it('gives a node its status ip, else the first free address outside the range', () => {
    expect(allocate(emptyLeases(), { mac: 'n', node: { ip: '10.0.0.7' } }, pool(), NOW)).toBe('10.0.0.7');
    const reserved = pool([['10.0.0.2', 'other']]);
    expect(allocate(emptyLeases(), { mac: 'n', node: {} }, reserved, NOW)).toBe('10.0.0.3');
    expect(allocate(emptyLeases(), { mac: 'x', requestedIp: '10.0.0.2' }, reserved, NOW)).toBe('10.0.0.100');
  });

  it('Given a DECLINE, then the address is not handed out until the hold ends', () => {
    let state = offer(emptyLeases(), 'a', '10.0.0.100', NOW + 60_000);
    state = decline(state, { mac: 'a', ip: '10.0.0.100' }, NOW, NOW + HOUR);
    expect(allocate(state, { mac: 'a' }, pool(), NOW)).toBe('10.0.0.101');
    expect(allocate(state, { mac: 'b' }, pool(), NOW + 2 * HOUR)).toBe('10.0.0.100');
  });

  it('Given a RELEASE, then the address is free for another MAC', () => {
    let state = bind(emptyLeases(), { mac: 'a', ip: '10.0.0.100', expiresAt: NOW + HOUR });
    expect(mayHave(state, { mac: 'b', requestedIp: '10.0.0.100' }, pool(), NOW)).toBe(false);
    state = release(state, 'a', '10.0.0.100', NOW);
    expect(mayHave(state, { mac: 'b', requestedIp: '10.0.0.100' }, pool(), NOW)).toBe(true);
  });

  it('prunes long-expired leases and finished declines', () => {
    let state = bind(emptyLeases(), { mac: 'a', ip: '10.0.0.100', expiresAt: NOW - 2 * HOUR });
    state = bind(state, { mac: 'b', ip: '10.0.0.101', expiresAt: NOW + HOUR });
    state = decline(state, { mac: 'b', ip: '10.0.0.101' }, NOW, NOW + 1);
    expect(state.declined.size).toBe(1);
    expect(prune(state, NOW + 2, NOW - HOUR)).toEqual(emptyLeases());
  });

  it('Given a DECLINE from a MAC that does not hold the address, then nothing changes', () => {
    // Given a bound lease of a, and an offer to c that has expired
    let state = bind(emptyLeases(), { mac: 'a', ip: '10.0.0.100', expiresAt: NOW + HOUR });
    state = offer(state, 'c', '10.0.0.101', NOW - 1);
    // When b, then c (too late), decline the addresses
    const after = decline(
      decline(state, { mac: 'b', ip: '10.0.0.100' }, NOW, NOW + HOUR),
      { mac: 'c', ip: '10.0.0.101' },
      NOW,
      NOW + HOUR,
    );
    // Then the state is the same object: a keeps its address and nothing is held back
    expect(after).toBe(state);
    expect(allocate(after, { mac: 'd' }, pool(), NOW)).toBe('10.0.0.101');
  });

  it('prunes expired offers at once, keeps expired bound leases a lease time, keeps unexpired ones', () => {
    let state = offer(emptyLeases(), 'offered-gone', '10.0.0.100', NOW - 1);
    state = offer(state, 'offered-live', '10.0.0.101', NOW + 60_000);
    state = bind(state, { mac: 'bound-recent', ip: '10.0.0.102', expiresAt: NOW - 1 });
    state = bind(state, { mac: 'bound-old', ip: '10.0.0.103', expiresAt: NOW - 2 * HOUR });
    expect([...prune(state, NOW, NOW - HOUR).leases.keys()].sort()).toEqual(['bound-recent', 'offered-live']);
  });

  it('bounds the table: over the maximum, the expired leases that expired first go, never live ones', () => {
    let state = emptyLeases();
    for (let i = 0; i < 10; i++)
      state = bind(state, { mac: `old${i}`, ip: `10.0.1.${i}`, expiresAt: NOW - 1000 + i });
    for (let i = 0; i < 5; i++)
      state = bind(state, { mac: `live${i}`, ip: `10.0.2.${i}`, expiresAt: NOW + HOUR });
    const pruned = prune(state, NOW, NOW - HOUR, 8);
    expect([...pruned.leases.keys()].sort()).toEqual([
      'live0',
      'live1',
      'live2',
      'live3',
      'live4',
      'old7',
      'old8',
      'old9',
    ]);
    // Live leases are never dropped, even over the maximum
    expect(prune(state, NOW, NOW - HOUR, 2).leases.size).toBe(5);
  });

  it('identifies a client by its address only through a bound, unexpired lease', () => {
    let state = offer(emptyLeases(), 'offered', '10.0.0.100', NOW + HOUR);
    state = bind(state, { mac: 'bound', ip: '10.0.0.101', expiresAt: NOW + HOUR });
    state = bind(state, { mac: 'expired', ip: '10.0.0.102', expiresAt: NOW });
    expect(boundHolder(state, '10.0.0.100', NOW)).toBeUndefined();
    expect(boundHolder(state, '10.0.0.101', NOW)).toBe('bound');
    expect(boundHolder(state, '10.0.0.102', NOW)).toBeUndefined();
    expect(boundHolder(state, '10.0.0.101', NOW + HOUR)).toBeUndefined();
    // A released lease expires at once
    expect(boundHolder(release(state, 'bound', '10.0.0.101', NOW), '10.0.0.101', NOW)).toBeUndefined();
  });
});

describe('lease file', () => {
  it('round-trips and rejects garbage with a coded error', () => {
    const state = bind(emptyLeases(), { mac: 'a', ip: '10.0.0.100', expiresAt: NOW, hostname: 'h' });
    expect(parseLeaseFile(serialiseLeases(state), 'f')).toEqual(state);
    let code: string | undefined;
    try {
      parseLeaseFile('{', 'f');
    } catch (error) {
      code = (error as WaltError).code;
    }
    expect(code).toBe('WALT_ERR_DHCP_LEASES_FILE');
  });
});
