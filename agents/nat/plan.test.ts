import type { WaltNode } from '../../api/v1alpha1/index.js';
import { planNat } from './plan.js';
import { natCondition, natSourcesOf } from './service.js';
import { chooseUplink, MAX_ROUTES_JSON, parseDefaultRoutes } from './uplink.js';

const ROUTES = JSON.stringify([
  { dst: 'default', gateway: '192.0.2.1', dev: 'eth1', metric: 200, flags: [] },
  { dst: 'default', gateway: '198.51.100.1', dev: 'eth0', flags: [] },
  { dst: 'default', gateway: '203.0.113.1', dev: 'eth2', metric: 5, flags: ['linkdown'] },
]);

describe('uplink', () => {
  it('picks the default route of lowest metric whose link is up (no metric is 0, as the kernel reads it)', () => {
    expect(chooseUplink(parseDefaultRoutes(ROUTES), 'walt0')).toBe('eth0');
  });

  it('never takes the lab bridge as the uplink', () => {
    const routes = parseDefaultRoutes(JSON.stringify([{ dst: 'default', dev: 'walt0' }]));
    expect(chooseUplink(routes, 'walt0')).toBeUndefined();
  });

  it.each([
    ['', 'none'],
    ['not json', 'garbage'],
    ['{}', 'an object'],
    ['[1, null, "x"]', 'odd entries'],
  ])('finds no route in %j (%s)', (json) => {
    expect(parseDefaultRoutes(json)).toEqual([]);
  });

  it('reads no output larger than its bound', () => {
    const big = JSON.stringify([{ dst: 'default', dev: 'eth0', pad: 'x'.repeat(MAX_ROUTES_JSON) }]);
    expect(parseDefaultRoutes(big)).toEqual([]);
  });
});

describe('planNat', () => {
  const routes = parseDefaultRoutes(ROUTES);

  it('is off when spec.nat.enabled is false', () => {
    expect(planNat({ enabled: false, bridge: 'walt0', routes, sources: [] })).toMatchObject({
      kind: 'off',
      reason: 'Disabled',
    });
  });

  it('is off, saying why, when the namespace has no uplink', () => {
    const plan = planNat({ enabled: true, bridge: 'walt0', routes: [], sources: ['10.0.0.2'] });
    expect(plan).toMatchObject({ kind: 'off', reason: 'NoUplink' });
    expect(natCondition(plan)).toMatchObject({ type: 'Nat', status: 'False', reason: 'NoUplink' });
  });

  it('applies the ruleset for the uplink and the sources', () => {
    const plan = planNat({ enabled: true, bridge: 'walt0', routes, sources: ['10.0.0.2'] });
    expect(plan).toMatchObject({ kind: 'apply', uplink: 'eth0', sources: ['10.0.0.2'] });
    expect(natCondition(plan)).toMatchObject({ status: 'True', reason: 'Masquerading' });
  });

  it('turns invalid input into an off plan naming the error code', () => {
    const plan = planNat({ enabled: true, bridge: 'walt0', routes, sources: ['nope'] });
    expect(plan).toMatchObject({ kind: 'off', reason: 'InvalidInput' });
    expect(plan.kind === 'off' && plan.message).toContain('WALT_ERR_NAT_BAD_ADDRESS');
  });
});

describe('natSourcesOf', () => {
  const node = (name: string, mac: string, netsetup: 'LAN' | 'NAT', segment = 's'): WaltNode =>
    ({
      metadata: { name },
      spec: { mac, model: 'pc-x86-64', segment, settings: { netsetup } },
    }) as WaltNode;

  it('takes the leased address of each NAT node of the segment, and nothing else', () => {
    const leases: Record<string, string> = {
      '52:54:00:00:00:01': '10.0.0.11',
      '52:54:00:00:00:02': '10.0.0.12',
      '52:54:00:00:00:03': '10.0.0.13',
    };
    const nodes = [
      node('nat', '52-54-00-00-00-01', 'NAT'),
      node('lan', '52:54:00:00:00:02', 'LAN'),
      node('elsewhere', '52:54:00:00:00:03', 'NAT', 'other'),
      node('no-lease', '52:54:00:00:00:04', 'NAT'),
    ];
    expect(natSourcesOf(nodes, 's', (mac) => leases[mac])).toEqual(['10.0.0.11']);
  });
});
