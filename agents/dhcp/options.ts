// DHCP option codes (RFC 2132, 3004, 4578, 3396; PXE 2.1; iPXE) and typed accessors over the option
// map of a DhcpPacket. Readers return undefined for a missing or malformed option; writers build values.
export const OPT = {
  SUBNET_MASK: 1,
  ROUTER: 3,
  DNS_SERVERS: 6,
  HOSTNAME: 12,
  DOMAIN_NAME: 15,
  BROADCAST_ADDRESS: 28,
  VENDOR_SPECIFIC: 43,
  REQUESTED_IP: 50,
  LEASE_TIME: 51,
  MESSAGE_TYPE: 53,
  SERVER_ID: 54,
  PARAMETER_REQUEST_LIST: 55,
  MESSAGE: 56,
  RENEWAL_TIME: 58,
  REBINDING_TIME: 59,
  VENDOR_CLASS: 60,
  CLIENT_ID: 61,
  TFTP_SERVER_NAME: 66,
  BOOTFILE_NAME: 67,
  USER_CLASS: 77,
  CLIENT_ARCH: 93,
  CLIENT_NDI: 94,
  CLIENT_UUID: 97,
  IPXE_ENCAP: 175,
} as const;

export const MessageType = {
  DISCOVER: 1,
  OFFER: 2,
  REQUEST: 3,
  DECLINE: 4,
  ACK: 5,
  NAK: 6,
  RELEASE: 7,
  INFORM: 8,
} as const;
export type MessageTypeName = keyof typeof MessageType;

/** PXE sub-options of option 43 (PXE specification 2.1, table 2-1). */
export const PXE_SUBOPT = { DISCOVERY_CONTROL: 6, BOOT_SERVERS: 8, BOOT_MENU: 9, MENU_PROMPT: 10 } as const;

/** The boot menu entry the Raspberry Pi ROM/EEPROM bootloader requires in option 43. */
export const RPI_BOOT_MENU_TEXT = 'Raspberry Pi Boot';

export type Options = Map<number, Buffer>;

export function messageTypeName(type: number | undefined): MessageTypeName | 'UNKNOWN' {
  const entry = Object.entries(MessageType).find(([, value]) => value === type);
  return entry ? (entry[0] as MessageTypeName) : 'UNKNOWN';
}

export function getU8(options: Options, code: number): number | undefined {
  const value = options.get(code);
  return value?.length === 1 ? value[0] : undefined;
}

export function getU16(options: Options, code: number): number | undefined {
  const value = options.get(code);
  return value && value.length >= 2 ? value.readUInt16BE(0) : undefined;
}

export function getU32(options: Options, code: number): number | undefined {
  const value = options.get(code);
  return value?.length === 4 ? value.readUInt32BE(0) : undefined;
}

/** A text option (NUL bytes at the end are trimmed: some clients count the terminator). */
export function getString(options: Options, code: number): string | undefined {
  const value = options.get(code);
  return value ? value.toString('latin1').replace(/\0+$/, '') : undefined;
}

export function getIp(options: Options, code: number): string | undefined {
  const value = options.get(code);
  return value?.length === 4 ? `${value[0]}.${value[1]}.${value[2]}.${value[3]}` : undefined;
}

export function getIps(options: Options, code: number): string[] | undefined {
  const value = options.get(code);
  if (!value || value.length === 0 || value.length % 4 !== 0) return undefined;
  const ips: string[] = [];
  for (let i = 0; i < value.length; i += 4)
    ips.push(`${value[i]}.${value[i + 1]}.${value[i + 2]}.${value[i + 3]}`);
  return ips;
}

export function messageType(options: Options): number | undefined {
  return getU8(options, OPT.MESSAGE_TYPE);
}

/** Option 55: the codes the client asks for, in its order of preference. */
export function parameterRequestList(options: Options): number[] {
  return [...(options.get(OPT.PARAMETER_REQUEST_LIST) ?? [])];
}

/**
 * Option 77. RFC 3004 encodes a list of length-prefixed classes; iPXE, u-boot and WalT's tools send one
 * plain string. A value that does not parse exactly as RFC 3004 is read as one plain string.
 */
export function userClasses(options: Options): string[] {
  const value = options.get(OPT.USER_CLASS);
  if (!value || value.length === 0) return [];
  const classes: string[] = [];
  let i = 0;
  while (i < value.length) {
    const len = value[i] ?? 0;
    if (len === 0 || i + 1 + len > value.length) return [value.toString('latin1').replace(/\0+$/, '')];
    classes.push(value.toString('latin1', i + 1, i + 1 + len));
    i += 1 + len;
  }
  return classes;
}

/** Option 93 (RFC 4578): the first architecture type the client lists. */
export function clientArch(options: Options): number | undefined {
  return getU16(options, OPT.CLIENT_ARCH);
}

/** Option 94 (RFC 4578): network interface type and UNDI version. */
export function clientNdi(options: Options): { type: number; major: number; minor: number } | undefined {
  const value = options.get(OPT.CLIENT_NDI);
  if (value?.length !== 3) return undefined;
  return { type: value[0] ?? 0, major: value[1] ?? 0, minor: value[2] ?? 0 };
}

/** Option 97 (RFC 4578): type 0 followed by a 16-byte UUID/GUID, as lowercase hex with dashes. */
export function clientUuid(options: Options): string | undefined {
  const value = options.get(OPT.CLIENT_UUID);
  if (value?.length !== 17 || value[0] !== 0) return undefined;
  const hex = value.subarray(1).toString('hex');
  return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join('-');
}

/** Sub-options of an encapsulated option (43, 175) as a code → value map; undefined when malformed. */
export function subOptions(value: Buffer | undefined): Map<number, Buffer> | undefined {
  if (!value) return undefined;
  const result = new Map<number, Buffer>();
  let i = 0;
  while (i < value.length) {
    const code = value[i] ?? 255;
    if (code === 255) break;
    if (code === 0) {
      i += 1;
      continue;
    }
    const len = value[i + 1];
    if (len === undefined || i + 2 + len > value.length) return undefined;
    result.set(code, value.subarray(i + 2, i + 2 + len));
    i += 2 + len;
  }
  return result;
}

/** Option 175: the iPXE feature sub-options, when the client is iPXE. */
export function ipxeOptions(options: Options): Map<number, Buffer> | undefined {
  return subOptions(options.get(OPT.IPXE_ENCAP));
}

// Writers. Small values come from Node's shared pool (allocUnsafe, every byte written): a reply has a
// dozen of them, and a Buffer.alloc of its own per value is an ArrayBuffer for the GC to track.

export function ipValue(ip: string): Buffer {
  return Buffer.from(ip.split('.').map((part) => Number(part) & 0xff));
}

export function ipsValue(ips: readonly string[]): Buffer {
  return Buffer.concat(ips.map(ipValue));
}

export function u8Value(value: number): Buffer {
  return Buffer.from([value & 0xff]);
}

export function u16Value(value: number): Buffer {
  const buf = Buffer.allocUnsafe(2);
  buf.writeUInt16BE(value & 0xffff);
  return buf;
}

export function u32Value(value: number): Buffer {
  const buf = Buffer.allocUnsafe(4);
  buf.writeUInt32BE(value >>> 0);
  return buf;
}

export function stringValue(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

/** Option 77 in RFC 3004 form (one length-prefixed entry per class). */
export function userClassValue(classes: readonly string[]): Buffer {
  return Buffer.concat(classes.map((c) => Buffer.concat([u8Value(c.length), stringValue(c)])));
}

/** Encapsulated sub-options (43, 175) terminated by 255. */
export function subOptionsValue(entries: ReadonlyArray<readonly [number, Buffer]>): Buffer {
  const parts = entries.map(([code, value]) => Buffer.concat([Buffer.from([code, value.length]), value]));
  return Buffer.concat([...parts, Buffer.from([255])]);
}

export interface PxeVendorOptions {
  /** Sub-option 6: bit 3 = download the boot file named in the reply without a boot-server discovery. */
  discoveryControl?: number;
  /** Sub-option 8: boot servers, each a type and addresses. */
  bootServers?: ReadonlyArray<{ type: number; ips: readonly string[] }>;
  /** Sub-option 9: the boot menu, each a server type and a description. */
  menu?: ReadonlyArray<{ type: number; text: string }>;
  /** Sub-option 10: prompt timeout in seconds and text. */
  prompt?: { timeout: number; text: string };
}

/** Option 43 for PXE clients (PXE specification 2.1 §2.4.5). */
export function pxeVendorValue(pxe: PxeVendorOptions): Buffer {
  const entries: Array<[number, Buffer]> = [];
  if (pxe.discoveryControl !== undefined)
    entries.push([PXE_SUBOPT.DISCOVERY_CONTROL, u8Value(pxe.discoveryControl)]);
  if (pxe.bootServers) {
    const servers = pxe.bootServers.map((s) =>
      Buffer.concat([u16Value(s.type), u8Value(s.ips.length), ipsValue(s.ips)]),
    );
    entries.push([PXE_SUBOPT.BOOT_SERVERS, Buffer.concat(servers)]);
  }
  if (pxe.menu) {
    const items = pxe.menu.map((m) =>
      Buffer.concat([u16Value(m.type), u8Value(m.text.length), stringValue(m.text)]),
    );
    entries.push([PXE_SUBOPT.BOOT_MENU, Buffer.concat(items)]);
  }
  if (pxe.prompt)
    entries.push([
      PXE_SUBOPT.MENU_PROMPT,
      Buffer.concat([u8Value(pxe.prompt.timeout), stringValue(pxe.prompt.text)]),
    ]);
  return subOptionsValue(entries);
}

/** Option 43 the Raspberry Pi bootloader waits for: a boot menu entry "Raspberry Pi Boot" (type 0). */
export function rpiVendorValue(): Buffer {
  return pxeVendorValue({ menu: [{ type: 0, text: RPI_BOOT_MENU_TEXT }] });
}

/** Reads the PXE boot menu (sub-option 9) out of an option 43 value. */
export function pxeBootMenu(value: Buffer | undefined): Array<{ type: number; text: string }> | undefined {
  const menu = subOptions(value)?.get(PXE_SUBOPT.BOOT_MENU);
  if (!menu) return undefined;
  const items: Array<{ type: number; text: string }> = [];
  let i = 0;
  while (i + 3 <= menu.length) {
    const len = menu[i + 2] ?? 0;
    if (i + 3 + len > menu.length) return undefined;
    items.push({ type: menu.readUInt16BE(i), text: menu.toString('latin1', i + 3, i + 3 + len) });
    i += 3 + len;
  }
  return items;
}
