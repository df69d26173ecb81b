// Coded errors of the DHCP service. Decoding never throws: decode() returns one of these as a value, and
// its code (without the prefix) becomes the `reason` label of walt_dhcp_malformed_total.
import { defineError } from '../../common/errors.js';

export const DhcpTruncated = defineError(
  'WALT_ERR_DHCP_TRUNCATED',
  (length: number) => `DHCP packet of ${length} bytes is shorter than the 240-byte BOOTP header and cookie`,
  400,
);
export const DhcpTooLarge = defineError(
  'WALT_ERR_DHCP_TOO_LARGE',
  (length: number, max: number) => `DHCP packet of ${length} bytes exceeds ${max} bytes`,
  400,
);
export const DhcpBadOp = defineError(
  'WALT_ERR_DHCP_BAD_OP',
  (op: number) => `BOOTP op ${op} is neither 1 (request) nor 2 (reply)`,
  400,
);
export const DhcpBadHlen = defineError(
  'WALT_ERR_DHCP_BAD_HLEN',
  (hlen: number) => `hardware address length ${hlen} is larger than the 16-byte chaddr field`,
  400,
);
export const DhcpBadCookie = defineError(
  'WALT_ERR_DHCP_BAD_COOKIE',
  () => 'the options field does not start with the DHCP magic cookie 99.130.83.99',
  400,
);
export const DhcpOptionOverrun = defineError(
  'WALT_ERR_DHCP_OPTION_OVERRUN',
  (code: number) => `option ${code} runs past the end of its field`,
  400,
);
export const DhcpLeasesFile = defineError(
  'WALT_ERR_DHCP_LEASES_FILE',
  (file: string, why: string) => `cannot read the DHCP leases file ${file} (${why}): fix or delete it`,
  500,
);
export const DhcpBadRange = defineError(
  'WALT_ERR_DHCP_BAD_RANGE',
  (why: string) => `the segment's DHCP range is unusable: ${why}; fix spec.dhcp.range of the WaltSegment`,
  400,
);
