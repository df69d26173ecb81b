// A BIOS PC for the discovery tests: qemu's i440fx machine with SeaBIOS (Debian `seabios`) and a virtio
// NIC carrying qemu's own option ROM (Debian `ipxe-qemu`). That ROM is iPXE: the machine network-boots
// as iPXE from its first DHCP request (user class "iPXE", option 175), so this is the "iPXE directly"
// path of an x86 PC, never the undionly.kpxe chainload (SeaBIOS has no PXE client of its own, and qemu
// ships no NIC ROM that is not iPXE). The UEFI machine is test/support/firmware-vm.ts (OVMF's own PXE).
// `graphics=off` makes SeaBIOS copy the BIOS text console (its own and iPXE's) to the serial port.
import type { FirmwareVm } from './firmware-vm.js';
import { startTapMachine } from './tap-machine.js';

/**
 * qemu's virtio-net option ROM (iPXE) as Debian installs it, in qemu's ROM search path. The NIC takes it
 * by default: naming it with `romfile=<absolute path>` leaves SeaBIOS without the ROM (qemu 7.2, tried).
 */
export const QEMU_IPXE_ROM = '/usr/lib/ipxe/qemu/efi-virtio.rom';

export interface BiosVmOptions {
  ns: string;
  bridge: string;
  tap: string;
  mac: string;
  memoryMiB?: number;
}

/** qemu's command line (pure): pc + SeaBIOS, serial on stdout, one virtio NIC with its default iPXE ROM. */
export function biosVmArgs(options: BiosVmOptions): string[] {
  return [
    '-machine',
    'pc,graphics=off',
    '-accel',
    'tcg',
    '-m',
    `${options.memoryMiB ?? 512}M`,
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-serial',
    'stdio',
    '-boot',
    'n',
    '-netdev',
    `tap,id=n0,ifname=${options.tap},script=no,downscript=no`,
    '-device',
    `virtio-net-pci,netdev=n0,mac=${options.mac}`,
  ];
}

/** Plugs a tap into the bridge and starts the machine in the namespace (it network-boots at once). */
export async function startBiosVm(options: BiosVmOptions): Promise<FirmwareVm> {
  return startTapMachine(options, 'qemu-system-x86_64', biosVmArgs(options));
}
