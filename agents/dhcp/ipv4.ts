// IPv4 address arithmetic on unsigned 32-bit integers.

/** Dotted quad → integer; the hot path (allocation scans, lease indexes) avoids split() and its arrays. */
export function ipToInt(ip: string): number {
  let value = 0;
  let part = 0;
  let dots = 0;
  for (let i = 0; i < ip.length; i += 1) {
    const c = ip.charCodeAt(i);
    if (c === 46) {
      if (part > 255) return ipToIntSlow(ip);
      value = value * 256 + part;
      part = 0;
      dots += 1;
    } else if (c >= 48 && c <= 57) part = part * 10 + (c - 48);
    else return ipToIntSlow(ip);
  }
  return dots === 3 && part <= 255 ? value * 256 + part : ipToIntSlow(ip);
}

/** Anything but a plain dotted quad, as ipToInt always read it (missing or odd parts count as 0). */
function ipToIntSlow(ip: string): number {
  const parts = ip.split('.').map(Number);
  return (((parts[0] ?? 0) << 24) | ((parts[1] ?? 0) << 16) | ((parts[2] ?? 0) << 8) | (parts[3] ?? 0)) >>> 0;
}

export function intToIp(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 0xff}.${(value >>> 8) & 0xff}.${value & 0xff}`;
}

export function isIpv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

export interface Subnet {
  network: number;
  broadcast: number;
  prefix: number;
  mask: string;
}

export function parseCidr(cidr: string): Subnet {
  const [address = '0.0.0.0', prefixText = '32'] = cidr.split('/');
  const prefix = Math.min(32, Math.max(0, Number(prefixText)));
  const maskInt = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const network = (ipToInt(address) & maskInt) >>> 0;
  return { network, broadcast: (network | ~maskInt) >>> 0, prefix, mask: intToIp(maskInt) };
}

export function inSubnet(subnet: Subnet, ip: number): boolean {
  return ip >= subnet.network && ip <= subnet.broadcast;
}
