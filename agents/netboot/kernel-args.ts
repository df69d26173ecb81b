// Kernel arguments of every netbooted node, whatever its firmware: the NFS root and the node init
// (nfsRootArgs: in the iPXE script of x86 nodes, in the generated cmdline.txt of Raspberry Pis), and
// the arguments that depend on the node: the serial console of virtual nodes (their console is captured
// from the serial port, as WalT's QEMU boot parameters do), and the node settings the node init reads
// (boot mode, /persist).
import type { WaltNode } from '../../api/v1alpha1/index.js';

/** The project's node init, added by the NFS service to every exported image (node/walt/init). */
export const NODE_INIT = '/walt/init';

export interface NfsRootInput {
  /** The agent's IPv4 address on the segment: NFS server and `walt.server`. */
  server: string;
  nodeName: string;
  /** The path the image root filesystem is exported at (NFS). */
  exportPath: string;
  /** The kernel's `ip=` value (static address, or the bootloader's variables that expand to it). */
  ip: string;
}

/** The fields of the kernel's static `ip=` value (Documentation/admin-guide/nfs/nfsroot.rst). */
export interface KernelIpFields {
  client: string;
  server: string;
  gateway: string;
  netmask: string;
  hostname: string;
}

/**
 * The `ip=` value: the fields in the kernel's order, no device, no autoconfiguration (`off`). Callers
 * pass checked values, or the bootloader's variables that expand to them.
 */
export function kernelIpValue(f: KernelIpFields): string {
  return `${f.client}:${f.server}:${f.gateway}:${f.netmask}:${f.hostname}::off`;
}

/** The kernel arguments that mount the image over NFSv3 read-only and start the node init. */
export function nfsRootArgs(input: NfsRootInput): string[] {
  return [
    'root=/dev/nfs',
    // Images do not change while exported: no close-to-open revalidation (WalT mounts nocto too).
    `nfsroot=${input.server}:${input.exportPath},vers=3,nolock,tcp,nocto`,
    // The address the bootloader just got by DHCP, passed on statically, as WalT does: the
    // initramfs's own DHCP would cost a second exchange, and ~10 s on virtio NICs whose first
    // DISCOVER never leaves.
    `ip=${input.ip}`,
    'ro',
    `init=${NODE_INIT}`,
    `walt.node=${input.nodeName}`,
    `walt.server=${input.server}`,
  ];
}

export function nodeKernelArgs(node: WaltNode): string[] {
  const args: string[] = [];
  // qemu's arm virt board has a PL011 UART (ttyAMA0), its PCs a 16550 (ttyS0).
  if (node.spec.virtual)
    args.push(`console=${node.spec.model === 'qemu-arm-64' ? 'ttyAMA0' : 'ttyS0'},115200`);
  const bootMode = node.spec.bootMode ?? 'network';
  if (bootMode !== 'network') args.push(`walt.bootmode=${bootMode}`);
  if (node.spec.settings?.mountPersist === false) args.push('walt.persist=0');
  return args;
}
