// What kind of machine sent a DHCP request, from its options and MAC: this decides which boot options
// it gets. Adding a client class means adding a case here and its boot options in boot-options.ts.
import type { DhcpPacket } from './packet.js';
import { macOf } from './packet.js';
import { clientArch, getString, OPT, userClasses } from './options.js';

export type PxeArch = 'x86-bios' | 'x86-uefi' | 'arm64-uefi' | 'unknown';

export type ClientClass =
  /** A WalT node announcing its model (`walt.node.<model>` in option 77 or 60); `ipxe` if it runs iPXE. */
  | { kind: 'walt-node'; model: string; ipxe: boolean; arch?: PxeArch }
  /** iPXE (option 175 or user class "iPXE") not announcing a WalT model. */
  | { kind: 'ipxe'; arch?: PxeArch }
  /** A Raspberry Pi ROM/EEPROM bootloader (RPi OUI and the UNDI vendor class). */
  | { kind: 'rpi' }
  /** u-boot's own DHCP (vendor class "U-Boot.<arch>", option 93 0x16 arm64 / 0x15 arm32): it names its file. */
  | { kind: 'uboot'; archCode?: number }
  /** A PXE ROM (vendor class "PXEClient…"). */
  | { kind: 'pxe'; arch: PxeArch; archCode?: number }
  | { kind: 'other' };

export const WALT_NODE_PREFIX = 'walt.node.';
export const PXE_VENDOR_PREFIX = 'PXEClient';
/** The vendor class of legacy x86 PXE ROMs and of the Raspberry Pi bootloader. */
export const RPI_VENDOR_CLASS = 'PXEClient:Arch:00000:UNDI:002001';
/** What u-boot announces unless its `bootp_vci` says otherwise (Debian 2023.01: "U-Boot.armv8"). */
export const UBOOT_VENDOR_PREFIX = 'U-Boot';
/** Raspberry Pi Ltd / Foundation OUIs. */
export const RPI_OUIS: readonly string[] = [
  'b8:27:eb',
  'dc:a6:32',
  'e4:5f:01',
  'd8:3a:dd',
  '2c:cf:67',
  '28:cd:c1',
];

/** RFC 4578 §2.1 processor architecture types (IANA registry) → the boot file family. */
export function pxeArch(code: number | undefined): PxeArch {
  if (code === 0) return 'x86-bios';
  if (code === 6 || code === 7 || code === 9) return 'x86-uefi';
  if (code === 11) return 'arm64-uefi';
  return 'unknown';
}

export function isRpiMac(mac: string): boolean {
  return RPI_OUIS.includes(mac.toLowerCase().slice(0, 8));
}

function modelIn(text: string | undefined): string | undefined {
  return text?.startsWith(WALT_NODE_PREFIX) ? text.slice(WALT_NODE_PREFIX.length) || undefined : undefined;
}

/** The WalT model a client announces: user class (option 77) wins over vendor class (option 60). */
export function announcedModel(packet: DhcpPacket): string | undefined {
  for (const userClass of userClasses(packet.options)) {
    const model = modelIn(userClass);
    if (model) return model;
  }
  return modelIn(getString(packet.options, OPT.VENDOR_CLASS));
}

function isIpxe(packet: DhcpPacket): boolean {
  return packet.options.has(OPT.IPXE_ENCAP) || userClasses(packet.options).includes('iPXE');
}

function archOf(packet: DhcpPacket): PxeArch | undefined {
  const code = clientArch(packet.options);
  return code === undefined ? undefined : pxeArch(code);
}

export function classify(packet: DhcpPacket): ClientClass {
  const vendorClass = getString(packet.options, OPT.VENDOR_CLASS) ?? '';
  const ipxe = isIpxe(packet);
  const arch = archOf(packet);
  const model = announcedModel(packet);
  if (model) return { kind: 'walt-node', model, ipxe, ...(arch ? { arch } : {}) };
  if (ipxe) return { kind: 'ipxe', ...(arch ? { arch } : {}) };
  return byVendorClass(packet, vendorClass);
}

/** Firmware known by its vendor class alone: the Pi bootloader, u-boot, PXE ROMs. */
function byVendorClass(packet: DhcpPacket, vendorClass: string): ClientClass {
  if (vendorClass === RPI_VENDOR_CLASS && isRpiMac(macOf(packet))) return { kind: 'rpi' };
  if (vendorClass.startsWith(UBOOT_VENDOR_PREFIX)) return ubootClass(packet);
  if (vendorClass.startsWith(PXE_VENDOR_PREFIX)) {
    const archCode = clientArch(packet.options);
    return { kind: 'pxe', arch: pxeArch(archCode), ...(archCode === undefined ? {} : { archCode }) };
  }
  return { kind: 'other' };
}

function ubootClass(packet: DhcpPacket): ClientClass {
  const archCode = clientArch(packet.options);
  return { kind: 'uboot', ...(archCode === undefined ? {} : { archCode }) };
}
