// Boot options per client class, for a node the netboot gate lets boot: next-server (siaddr), the TFTP
// server (66) and the boot file (file / 67), or the vendor options the Raspberry Pi bootloader wants.
import type { BootDecision } from '../netboot/gate.js';
import type { ClientClass, PxeArch } from './client-class.js';
import { OPT, pxeVendorValue, rpiVendorValue, stringValue } from './options.js';

/** iPXE binaries served by TFTP, by PXE firmware family. */
export const PXE_BOOT_FILES: Record<PxeArch, string | undefined> = {
  'x86-bios': 'undionly.kpxe',
  'x86-uefi': 'ipxe.efi',
  'arm64-uefi': 'snponly-arm64.efi',
  unknown: undefined,
};

/** Where iPXE fetches its per-node script (served by the agent's HTTP service). */
export function ipxeScriptUrl(serverIp: string): string {
  return `http://${serverIp}/ipxe/boot.ipxe`;
}

export interface BootOptions {
  siaddr?: string;
  file?: string;
  options: Array<[number, Buffer]>;
}

const NONE: BootOptions = { options: [] };

function withFile(serverIp: string, file: string | undefined): BootOptions {
  const options: Array<[number, Buffer]> = [[OPT.TFTP_SERVER_NAME, stringValue(serverIp)]];
  if (file) options.push([OPT.BOOTFILE_NAME, stringValue(file)]);
  return { siaddr: serverIp, ...(file ? { file } : {}), options };
}

function isIpxe(client: ClientClass): boolean {
  return client.kind === 'ipxe' || (client.kind === 'walt-node' && client.ipxe);
}

// A known node of this segment whose image is not ready yet (or missing) will be able to boot once it
// is: x86 firmware still gets iPXE, whose HTTP script says why and asks again, instead of giving up
// with "Nothing to boot" and sitting at "No bootable device" forever.
const RETRY_OVER_IPXE = new Set(['ImageNotReady', 'NoImage', 'ModelNotSupported']);

/**
 * u-boot (its own vendor class, or a `walt.node.<model>` one set by the probe script) is always told the
 * TFTP server: it names its files, and the agent's TFTP decides what it gets — the probe script for a
 * machine no WaltNode has (so it can announce its model and be registered), the node's script, or a
 * script that says why not and resets (agents/tftp/uboot-scripts.ts).
 */
function isUboot(client: ClientClass): boolean {
  return client.kind === 'uboot' || (client.kind === 'walt-node' && !client.ipxe);
}

/** Whether a client of this class gets boot options for this decision (the gate's, plus the retry path). */
export function offersBoot(client: ClientClass, decision: BootDecision): boolean {
  if (client.kind === 'other') return false;
  if (isUboot(client)) return true;
  if (decision.allow) return true;
  const retries = decision.node !== undefined && RETRY_OVER_IPXE.has(decision.reason);
  return retries && (isIpxe(client) || client.kind === 'pxe');
}

/** What a client of this class gets for `decision` (see offersBoot); nothing otherwise. */
export function bootOptions(client: ClientClass, decision: BootDecision, serverIp: string): BootOptions {
  if (!offersBoot(client, decision)) return NONE;
  if (isIpxe(client)) return withFile(serverIp, ipxeScriptUrl(serverIp));
  if (client.kind === 'pxe') return withFile(serverIp, PXE_BOOT_FILES[client.arch]);
  if (client.kind === 'rpi') {
    const base = withFile(serverIp, undefined);
    base.options.push([OPT.VENDOR_CLASS, stringValue('PXEClient')], [OPT.VENDOR_SPECIFIC, rpiVendorValue()]);
    return base;
  }
  // A walt-node outside iPXE (u-boot) names its own file: it only needs the TFTP server.
  return withFile(serverIp, undefined);
}

/**
 * x86 PXE firmware asking with these architecture types (RFC 4578: BIOS, EFI x86-64, EFI BC) can run the
 * iPXE binaries of PXE_BOOT_FILES; an unknown one of them is handed iPXE so that it can say its model.
 */
const DISCOVERABLE_PXE_ARCH = new Set([0, 7, 9]);

/**
 * Whether an unknown machine (no WaltNode has its MAC) is an x86 PC that can learn its model: PXE firmware
 * of an x86 architecture (it gets iPXE), or iPXE itself on x86 or of unknown architecture (it gets the
 * discovery script of agents/http/discovery-script.ts, which asks DHCP again as `walt.node.<model>`).
 * Only on a segment with autoRegister: elsewhere an unknown machine stays a device.
 */
export function offersDiscovery(client: ClientClass, decision: BootDecision, autoRegister: boolean): boolean {
  if (!autoRegister || decision.allow || decision.reason !== 'UnknownNode') return false;
  if (client.kind === 'pxe')
    return client.archCode !== undefined && DISCOVERABLE_PXE_ARCH.has(client.archCode);
  return client.kind === 'ipxe' && (client.arch === undefined || client.arch.startsWith('x86-'));
}

/** What an unknown x86 PC gets (see offersDiscovery): iPXE by TFTP, or the HTTP script for iPXE. */
export function discoveryBootOptions(client: ClientClass, serverIp: string): BootOptions {
  if (client.kind === 'pxe') return withFile(serverIp, PXE_BOOT_FILES[client.arch]);
  return withFile(serverIp, ipxeScriptUrl(serverIp));
}

/** ProxyDHCP replies also tell PXE ROMs to download the file at once, with no boot server discovery. */
export function proxyVendorOptions(client: ClientClass): Array<[number, Buffer]> {
  const options: Array<[number, Buffer]> = [[OPT.VENDOR_CLASS, stringValue('PXEClient')]];
  if (client.kind === 'pxe') options.push([OPT.VENDOR_SPECIFIC, pxeVendorValue({ discoveryControl: 8 })]);
  return options;
}
