// An arm64 machine whose only network boot is u-boot (Debian's u-boot-qemu, qemu_arm64) for the
// u-boot tests: qemu-system-aarch64, virt board, cortex-a57 under TCG, u-boot as its firmware (-bios),
// a virtio NIC (MMIO) on a tap of the segment's bridge, the serial port (PL011) on stdout. With no disk, u-boot's
// distro boot ends at its DHCP target and asks `boot.scr.uimg` by TFTP, as a Pi's u-boot asks its script.
import { access } from 'node:fs/promises';
import type { FirmwareVm } from './firmware-vm.js';
import { startTapMachine } from './tap-machine.js';

/** Debian `u-boot-qemu`: u-boot for qemu's arm64 virt board. */
export const UBOOT_QEMU_ARM64 = '/usr/lib/u-boot/qemu_arm64/u-boot.bin';

export interface UbootVmOptions {
  ns: string;
  bridge: string;
  tap: string;
  mac: string;
  /** At least 1024: the model's start.uboot loads above 0x48000000 (RAM starts at 0x40000000). */
  memoryMiB?: number;
}

/** qemu's command line (pure). */
export function ubootVmArgs(options: UbootVmOptions): string[] {
  return [
    '-machine',
    'virt',
    '-cpu',
    'cortex-a57',
    '-accel',
    'tcg',
    '-m',
    `${options.memoryMiB ?? 1024}M`,
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-bios',
    UBOOT_QEMU_ARM64,
    '-serial',
    'stdio',
    '-netdev',
    `tap,id=n0,ifname=${options.tap},script=no,downscript=no`,
    // virtio over MMIO, not PCI: Debian's u-boot 2023.01 reads the MAC of a virtio-net-pci device as
    // its first byte six times (52:52:52:52:52:52 for every machine; seen in a capture), while over
    // MMIO it reads the right one. Linux then finds the same NIC through virtio_mmio.
    '-device',
    `virtio-net-device,netdev=n0,mac=${options.mac}`,
  ];
}

export async function requireUboot(): Promise<void> {
  await access(UBOOT_QEMU_ARM64).catch(() => {
    throw new Error(
      `${UBOOT_QEMU_ARM64} is missing: run local/install-deps.sh (or apt-get install -y qemu-system-arm u-boot-qemu)`,
    );
  });
}

/** Plugs a tap into the bridge and starts the machine in the namespace (u-boot starts at once). */
export async function startUbootVm(options: UbootVmOptions): Promise<FirmwareVm> {
  return startTapMachine(options, 'qemu-system-aarch64', ubootVmArgs(options));
}
