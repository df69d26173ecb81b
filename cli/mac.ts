// MAC addresses of new virtual nodes (pure): qemu's prefix 52:54:00 (the CRD requires it for virtual
// nodes) and three random bytes, as WalT does, never one a node already has (a MAC identifies the node
// to DHCP and to the netboot gate).
import { randomBytes } from 'node:crypto';

export const QEMU_MAC_PREFIX = '52:54:00';

function format(suffix: number): string {
  const bytes = [(suffix >> 16) & 0xff, (suffix >> 8) & 0xff, suffix & 0xff];
  return [QEMU_MAC_PREFIX, ...bytes.map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

/** Three random bytes as a number (tests inject their own). */
export type SuffixSource = () => number;

const randomSuffix: SuffixSource = () => randomBytes(3).readUIntBE(0, 3);

/**
 * A 52:54:00:xx:xx:xx address unused by `existing` (compared case-insensitively). Random first; after
 * a few collisions (a crowded prefix) the lowest free address, so it always ends.
 */
export function allocateMac(existing: Iterable<string>, random: SuffixSource = randomSuffix): string {
  const used = new Set([...existing].map((mac) => mac.toLowerCase()));
  for (let attempt = 0; attempt < 16; attempt++) {
    const mac = format(random() & 0xffffff);
    if (!used.has(mac)) return mac;
  }
  for (let suffix = 1; suffix < 0xffffff; suffix++) {
    const mac = format(suffix);
    if (!used.has(mac)) return mac;
  }
  throw new Error('every 52:54:00:xx:xx:xx address is taken');
}
