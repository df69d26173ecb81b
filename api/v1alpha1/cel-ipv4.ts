// CEL has no ordering on IP addresses; comparing ranges needs the address as an integer.

/** A CEL expression giving the integer value of the dotted IPv4 string held by `expr`. */
export function ipv4ToInt(expr: string): string {
  const octet = (i: number): string => `int(${expr}.split('.')[${i}])`;
  return `(${octet(0)} * 16777216 + ${octet(1)} * 65536 + ${octet(2)} * 256 + ${octet(3)})`;
}
