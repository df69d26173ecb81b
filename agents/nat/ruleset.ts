// The nftables ruleset that masquerades a segment's NAT nodes behind the agent's uplink, as a pure
// function of data (walt-reference §2.7 netsetup, §8 firewall: WalT's iptables chain WALT accepts the
// NAT devices' addresses and MASQUERADE rewrites them). The agent owns one table, `ip walt_nat`, in its
// own network namespace and never touches another: the script below replaces that table atomically
// (nft runs a file as one transaction: the empty declaration makes the delete valid when the table does
// not exist yet), so applying it again is a no-op and a half-applied state cannot happen.
//
// Forwarding from the lab bridge is allowed only from the addresses of nodes with netsetup NAT (the same
// nodes the DHCP service gives the agent as router) and only towards the uplink; replies come back by
// conntrack. Anything else entering or leaving the bridge through the forward hook is dropped, so a LAN
// node that sets its own default route through the agent goes nowhere. Traffic between other interfaces
// is not ours to judge (policy accept).
import { isIpv4 } from '../dhcp/ipv4.js';
import { NatBadAddress, NatBadInterface, NatTooManySources } from './errors.js';

export const NAT_FAMILY = 'ip';
export const NAT_TABLE = 'walt_nat';
/** The named set holding the NAT nodes' addresses. */
export const NAT_SET = 'nat_nodes';
/** Addresses in the set at most: an agent serves a few hundred nodes; the bound keeps the script small. */
export const MAX_NAT_SOURCES = 16_384;

const INTERFACE = /^[A-Za-z0-9_.:-]{1,15}$/;

export interface NatRulesInput {
  /** The lab bridge (the segment's interface in the agent's namespace). */
  bridge: string;
  /** The interface of the default route. */
  uplink: string;
  /** IPv4 addresses of the nodes allowed out (netsetup NAT with a lease). */
  sources: readonly string[];
}

function checkInterface(what: string, name: string): string {
  if (!INTERFACE.test(name) || name === '.' || name === '..') throw NatBadInterface(what, name);
  return name;
}

/** The sources, checked, deduplicated and sorted (one input, one script: nothing reapplied for an order change). */
export function natSources(sources: readonly string[]): string[] {
  if (sources.length > MAX_NAT_SOURCES) throw NatTooManySources(sources.length, MAX_NAT_SOURCES);
  for (const source of sources) if (!isIpv4(source)) throw NatBadAddress('node address', source);
  const unique = [...new Set(sources.map((s) => s.split('.').map(Number).join('.')))];
  return unique.sort((a, b) => ipKey(a) - ipKey(b));
}

function ipKey(ip: string): number {
  return ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

/** `nft -f` input that (re)creates the agent's table with the rules for `input`. */
export function natRuleset(input: NatRulesInput): string {
  const bridge = checkInterface('bridge', input.bridge);
  const uplink = checkInterface('uplink', input.uplink);
  if (bridge === uplink) throw NatBadInterface('uplink (the same as the bridge)', uplink);
  const sources = natSources(input.sources);
  const elements = sources.length === 0 ? '' : `\n    elements = { ${sources.join(', ')} }`;
  return [
    `table ${NAT_FAMILY} ${NAT_TABLE} {}`,
    `delete table ${NAT_FAMILY} ${NAT_TABLE}`,
    `table ${NAT_FAMILY} ${NAT_TABLE} {`,
    `  set ${NAT_SET} {`,
    `    type ipv4_addr;${elements}`,
    '  }',
    '  chain forward {',
    '    type filter hook forward priority filter; policy accept;',
    `    iifname "${bridge}" oifname "${uplink}" ip saddr @${NAT_SET} accept`,
    `    iifname "${uplink}" oifname "${bridge}" ct state established,related accept`,
    `    iifname "${bridge}" drop`,
    `    oifname "${bridge}" drop`,
    '  }',
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    `    oifname "${uplink}" ip saddr @${NAT_SET} masquerade`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** `nft -f` input that removes the agent's table, whether it exists or not. */
export function natRemoval(): string {
  return [`table ${NAT_FAMILY} ${NAT_TABLE} {}`, `delete table ${NAT_FAMILY} ${NAT_TABLE}`, ''].join('\n');
}
