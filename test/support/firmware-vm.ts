// A machine whose only network boot is its firmware's own PXE client, for the chainload tests: qemu
// with OVMF (UEFI) and a virtio NIC whose option ROM is turned off (`romfile=`), so no iPXE of qemu's
// is in the machine. OVMF's PXE (VirtioNetDxe + PxeBcDxe) asks DHCP as "PXEClient:Arch:00007", loads
// the boot file by TFTP and runs it; everything after that is what the server handed out.
//
// Why not BIOS: SeaBIOS has no PXE client, and every NIC ROM qemu ships (Debian ipxe-qemu) is iPXE,
// which announces itself as iPXE and gets the HTTP script at once: a BIOS machine under qemu never
// asks for undionly.kpxe. The BIOS half of the chainload stays covered by the DHCP tests only.
import { access, copyFile } from 'node:fs/promises';
import path from 'node:path';
import { startTapMachine, type TapMachine } from './tap-machine.js';

/** Debian `ovmf`: the firmware code (read-only) and the template of its variable store. */
export const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
export const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';

export interface FirmwareVmOptions {
  /** The network namespace holding the segment's bridge. */
  ns: string;
  bridge: string;
  tap: string;
  mac: string;
  /** The VM's variable store and serial console log go here. */
  workDir: string;
  memoryMiB?: number;
}

/** qemu's command line (pure): q35 + OVMF, serial on stdout, one virtio NIC without option ROM. */
export function firmwareVmArgs(options: FirmwareVmOptions): string[] {
  return [
    '-machine',
    'q35,graphics=off',
    '-accel',
    'tcg',
    '-m',
    `${options.memoryMiB ?? 512}M`,
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-drive',
    `if=pflash,format=raw,readonly=on,file=${OVMF_CODE}`,
    '-drive',
    `if=pflash,format=raw,file=${path.join(options.workDir, 'ovmf-vars.fd')}`,
    '-serial',
    'stdio',
    '-boot',
    'n',
    '-netdev',
    `tap,id=n0,ifname=${options.tap},script=no,downscript=no`,
    // romfile= (empty): no option ROM, hence no iPXE; OVMF drives the NIC with its own driver.
    '-device',
    `virtio-net-pci,netdev=n0,mac=${options.mac},romfile=`,
  ];
}

/** Fails with the command that installs them when the firmware or the iPXE binaries are missing. */
export async function requireFirmware(files: readonly string[]): Promise<void> {
  for (const file of files) {
    await access(file).catch(() => {
      throw new Error(
        `${file} is missing: run local/install-deps.sh (or apt-get install -y ovmf ipxe) and run the test again`,
      );
    });
  }
}

/** A running machine of the boot-path tests (test/support/tap-machine.ts). */
export type FirmwareVm = TapMachine;

/** Plugs a tap into the bridge and starts the machine in the namespace (it PXE-boots at once). */
export async function startFirmwareVm(options: FirmwareVmOptions): Promise<FirmwareVm> {
  await copyFile(OVMF_VARS, path.join(options.workDir, 'ovmf-vars.fd'));
  return startTapMachine(options, 'qemu-system-x86_64', firmwareVmArgs(options));
}
