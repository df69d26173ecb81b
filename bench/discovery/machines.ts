// The physical-PC stand-ins of the discovery benchmark, started in the lab's network namespace: qemu
// q35 + OVMF with a NIC without option ROM (UEFI PXE → ipxe.efi), or pc + SeaBIOS with qemu's iPXE ROM
// (iPXE directly). The same machines as the end-to-end test's (test/support/firmware-vm.ts,
// discovery-vm.ts), which a benchmark may not import.
import { spawn, type ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export type Firmware = 'uefi' | 'bios';

const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';

export interface MachineOptions {
  firmware: Firmware;
  ns: string;
  bridge: string;
  tap: string;
  mac: string;
  workDir: string;
}

/** qemu's arguments (pure). */
export function machineArgs(options: MachineOptions): string[] {
  const common = ['-accel', 'tcg', '-m', '512M', '-nodefaults', '-no-user-config', '-display', 'none'];
  const net = ['-netdev', `tap,id=n0,ifname=${options.tap},script=no,downscript=no`];
  if (options.firmware === 'bios')
    return [
      '-machine',
      'pc,graphics=off',
      ...common,
      '-serial',
      'null',
      '-boot',
      'n',
      ...net,
      '-device',
      `virtio-net-pci,netdev=n0,mac=${options.mac}`,
    ];
  return [
    '-machine',
    'q35,graphics=off',
    ...common,
    '-drive',
    `if=pflash,format=raw,readonly=on,file=${OVMF_CODE}`,
    '-drive',
    `if=pflash,format=raw,file=${path.join(options.workDir, `vars-${options.tap}.fd`)}`,
    '-serial',
    'null',
    '-boot',
    'n',
    ...net,
    '-device',
    `virtio-net-pci,netdev=n0,mac=${options.mac},romfile=`,
  ];
}

export interface Machine {
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Plugs a tap into the bridge and powers the machine on (it netboots at once). */
export async function startMachine(options: MachineOptions): Promise<Machine> {
  if (options.firmware === 'uefi')
    await copyFile(OVMF_VARS, path.join(options.workDir, `vars-${options.tap}.fd`));
  const ns = ['netns', 'exec', options.ns];
  await run('ip', [...ns, 'ip', 'tuntap', 'add', 'dev', options.tap, 'mode', 'tap']);
  await run('ip', [...ns, 'ip', 'link', 'set', options.tap, 'master', options.bridge, 'up']);
  const child = spawn('ip', [...ns, 'qemu-system-x86_64', ...machineArgs(options)], {
    stdio: 'ignore',
    detached: true,
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      process.kill(-child.pid, 'SIGKILL');
      await exited;
    }
    await run('ip', [...ns, 'ip', 'link', 'delete', options.tap]).catch(() => undefined);
  };
  return { child, stop };
}
