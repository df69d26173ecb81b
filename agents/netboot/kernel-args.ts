// Kernel arguments that depend on the node, added to the boot script's NFS-root arguments: the serial
// console of virtual nodes (their console is captured from the serial port, as WalT's QEMU boot
// parameters do), and the node settings the node init reads (boot mode, /persist).
import type { WaltNode } from '../../api/v1alpha1/index.js';

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
