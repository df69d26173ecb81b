import { codeOf } from '../../test/support/error-code.js';
import { NatBadAddress, NatBadInterface, NatTooManySources } from './errors.js';
import { MAX_NAT_SOURCES, natRemoval, natRuleset, natSources } from './ruleset.js';

describe('natRuleset', () => {
  it('replaces the agent table atomically and masquerades only the NAT nodes towards the uplink', () => {
    const script = natRuleset({ bridge: 'walt0', uplink: 'eth0', sources: ['10.0.0.7', '10.0.0.5'] });
    const lines = script.split('\n');
    // Given no table yet or an old one, the three first lines make the delete valid, then recreate it
    expect(lines.slice(0, 3)).toEqual([
      'table ip walt_nat {}',
      'delete table ip walt_nat',
      'table ip walt_nat {',
    ]);
    expect(script).toContain('elements = { 10.0.0.5, 10.0.0.7 }');
    expect(script).toContain('iifname "walt0" oifname "eth0" ip saddr @nat_nodes accept');
    expect(script).toContain('iifname "eth0" oifname "walt0" ct state established,related accept');
    expect(script).toContain('iifname "walt0" drop');
    expect(script).toContain('oifname "eth0" ip saddr @nat_nodes masquerade');
    // Only our table is ever named
    expect([...script.matchAll(/table (\S+) (\S+)/g)].map((m) => `${m[1]} ${m[2]}`)).toEqual([
      'ip walt_nat',
      'ip walt_nat',
      'ip walt_nat',
    ]);
  });

  it('declares an empty set without an elements line (nft refuses "elements = { }")', () => {
    const script = natRuleset({ bridge: 'walt0', uplink: 'eth0', sources: [] });
    expect(script).not.toContain('elements');
    expect(script).toContain('type ipv4_addr;');
  });

  it('gives the same script whatever the order or repetition of the sources', () => {
    const a = natRuleset({ bridge: 'b', uplink: 'u', sources: ['10.0.0.10', '10.0.0.9', '10.0.0.10'] });
    const b = natRuleset({ bridge: 'b', uplink: 'u', sources: ['10.0.0.9', '10.0.0.10'] });
    expect(a).toBe(b);
  });

  it.each([
    ['br"0', 'eth0'],
    ['walt0', 'eth0; flush ruleset'],
    ['a-name-longer-than-15', 'eth0'],
    ['walt0', ''],
    ['walt0', 'walt0'],
  ])('refuses interface names nft would read as more than a name: %j → %j', (bridge, uplink) => {
    expect(codeOf(() => natRuleset({ bridge, uplink, sources: [] }))).toBe(NatBadInterface.code);
  });

  it('refuses a source that is not an IPv4 address', () => {
    expect(codeOf(() => natSources(['10.0.0.1', '10.0.0.1 }; flush ruleset']))).toBe(NatBadAddress.code);
    expect(codeOf(() => natSources(['10.0.0.256']))).toBe(NatBadAddress.code);
  });

  it('bounds the number of sources before looking at them', () => {
    const many = Array.from({ length: MAX_NAT_SOURCES + 1 }, () => 'x');
    expect(codeOf(() => natSources(many))).toBe(NatTooManySources.code);
  });

  it('removal names only the agent table and works when it does not exist', () => {
    expect(natRemoval()).toBe('table ip walt_nat {}\ndelete table ip walt_nat\n');
  });
});
