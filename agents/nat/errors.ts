// The NAT service's coded errors: what was refused before any rule reached the kernel, and what nft said.
import { defineError } from '../../common/errors.js';

export const NatBadInterface = defineError(
  'WALT_ERR_NAT_BAD_INTERFACE',
  (what: string, name: string) =>
    `${what} "${name}" is not a Linux interface name (1–15 characters of A-Z a-z 0-9 _ . : -): no NAT rules were written; fix WaltSegment spec.interface, --bridge or the default route`,
  400,
);

export const NatBadAddress = defineError(
  'WALT_ERR_NAT_BAD_ADDRESS',
  (what: string, value: string) =>
    `${what} "${value}" is not an IPv4 address of the segment: no NAT rules were written`,
  400,
);

export const NatTooManySources = defineError(
  'WALT_ERR_NAT_TOO_MANY_SOURCES',
  (count: number, max: number) =>
    `${count} nodes with netsetup NAT hold a lease, more than the ${max} the NAT set takes: no NAT rules were written; set netsetup LAN on some nodes`,
  413,
);

export const NatCommandFailed = defineError(
  'WALT_ERR_NAT_COMMAND_FAILED',
  (command: string, detail: string) =>
    `${command} failed: ${detail}; is nftables installed (Debian package nftables) and does the agent have CAP_NET_ADMIN in its network namespace?`,
  500,
);

export const NatNftMissing = defineError(
  'WALT_ERR_NAT_NFT_MISSING',
  () =>
    'nft is not installed: NAT needs nftables in the agent (Debian package nftables, in the agent image since NAT came)',
  500,
);
