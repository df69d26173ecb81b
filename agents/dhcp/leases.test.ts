import type { WaltError } from '../../common/errors.js';
import { parseCidr, ipToInt } from './ipv4.js';
import {
  allocate,
  bind,
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
    state = decline(state, 'a', '10.0.0.100', NOW + HOUR);
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
    state = decline(state, 'b', '10.0.0.101', NOW - 1);
    expect(prune(state, NOW, NOW - HOUR)).toEqual(emptyLeases());
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
