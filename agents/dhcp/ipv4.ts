// IPv4 address arithmetic on unsigned 32-bit integers.

export function ipToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  return (((parts[0] ?? 0) << 24) | ((parts[1] ?? 0) << 16) | ((parts[2] ?? 0) << 8) | (parts[3] ?? 0)) >>> 0;
}

export function intToIp(value: number): string {
  return [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff].join('.');
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
