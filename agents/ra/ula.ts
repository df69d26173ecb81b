// A stable IPv6 unique local prefix per segment (RFC 4193 style, from a hash of the segment name rather
// than random bits, so a restarted agent advertises the same one).
import { createHash } from 'node:crypto';

/** `fdxx:xxxx:xxxx:1::` /64 for a segment; the agent takes `::1` of it. */
export function segmentUla(segment: string): { prefix: string; address: string } {
  const hex = createHash('sha256').update(`walt-segment:${segment}`).digest('hex');
  // Written as every tool writes it back (RFC 5952: no leading zeros), so logs, `ip -6 addr` and rdisc6
  // show the same text.
  const groups = [`fd${hex.slice(0, 2)}`, hex.slice(2, 6), hex.slice(6, 10), '1'].map((g) =>
    parseInt(g, 16).toString(16),
  );
  const prefix = `${groups.join(':')}::`;
  return { prefix, address: `${prefix}1` };
}
