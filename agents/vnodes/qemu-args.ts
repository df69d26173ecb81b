// The qemu command line of a virtual node, from its WaltNode spec (pure). The VM netboots like a PC:
// qemu's built-in iPXE ROM on a virtio NIC plugged into the segment bridge through a tap, talking to
// this agent's own DHCP/TFTP/HTTP. The guest has no display: firmware, iPXE and the kernel console
// all go to the serial port, which the supervisor reads on qemu's stdout.
import os from 'node:os';
import path from 'node:path';
import type { WaltNodeSpec } from '../../api/v1alpha1/index.js';
import { ERR_VNODE_BAD_SIZE } from './errors.js';

export type Accel = 'tcg' | 'kvm';
export type VirtualSpec = NonNullable<WaltNodeSpec['virtual']>;
export type VirtualDisk = NonNullable<VirtualSpec['disks']>[number];

/** Everything a VM start needs: the node's hardware and where its tap and files are. */
export interface VmConfig {
  node: string;
  /** The WaltNode's model: qemu-arm-64 is an arm64 virt board booting through u-boot, others a PC. */
  model?: string;
  mac: string;
  virtual: VirtualSpec;
  accel: Accel;
  tap: string;
  /** `<cacheDir>/vnodes/<node>/`: disks, pid file, QMP socket, console log. */
  workDir: string;
}

const MIB_PER_UNIT: Record<string, number> = { Mi: 1, Gi: 1024, Ti: 1024 * 1024 };
/** sun_path holds 108 bytes with the terminating NUL. */
const UNIX_PATH_MAX = 107;

/** A Kubernetes-style size ("512Mi", "8Gi", "1Ti") in MiB. */
export function sizeMiB(text: string, what: string): number {
  const match = /^([1-9][0-9]*)(Mi|Gi|Ti)$/.exec(text);
  if (!match) throw ERR_VNODE_BAD_SIZE(what, text);
  return Number(match[1]) * MIB_PER_UNIT[match[2]!]!;
}

export function diskBytes(disk: VirtualDisk): number {
  return sizeMiB(disk.size, 'disk size') * 1024 * 1024;
}

export function diskPath(workDir: string, index: number): string {
  return path.join(workDir, `disk${index}.img`);
}

export function pidFilePath(workDir: string): string {
  return path.join(workDir, 'qemu.pid');
}

export function consoleLogPath(workDir: string): string {
  return path.join(workDir, 'console.log');
}

/**
 * The QMP socket: in the work dir when the path fits a unix socket address, else in the temporary
 * directory under the tap's name (node names reach 63 characters, cache dirs can be deep).
 */
export function qmpSocketPath(workDir: string, tap: string, tmpDir: string = os.tmpdir()): string {
  const inWorkDir = path.join(workDir, 'qmp.sock');
  if (Buffer.byteLength(inWorkDir) <= UNIX_PATH_MAX) return inWorkDir;
  return path.join(tmpDir, `walt-${tap}.qmp`);
}

/** qemu's option syntax separates sub-options with commas: a comma in a value is written twice. */
function optionValue(text: string): string {
  return text.replaceAll(',', ',,');
}

/**
 * What needs a VM restart when it changes: the MAC and the virtual hardware. bootDelay is read at
 * each start, and extra networks are not supported yet, so neither is part of it.
 */
export function hardwareKey(config: Pick<VmConfig, 'mac' | 'virtual'>): string {
  const { cpus, memory, disks } = config.virtual;
  const sizes = (disks ?? []).map((d) => d.size);
  return JSON.stringify({ mac: config.mac.toLowerCase(), cpus, memory, disks: sizes });
}

function diskArgs(config: VmConfig): string[] {
  // Plain raw sparse files (created by the supervisor); disk templates (ext4, fat32, hybrid boot)
  // are not applied yet: the guest sees empty disks.
  return (config.virtual.disks ?? []).flatMap((_, index) => [
    '-drive',
    `file=${optionValue(diskPath(config.workDir, index))},if=virtio,format=raw`,
  ]);
}

/** Debian u-boot-qemu's u-boot for qemu's arm64 virt board: the firmware of model qemu-arm-64. */
export const UBOOT_QEMU_ARM64 = '/usr/lib/u-boot/qemu_arm64/u-boot.bin';

function isArm64(config: Pick<VmConfig, 'model'>): boolean {
  return config.model === 'qemu-arm-64';
}

/** The qemu binary of the node's model. */
export function qemuBinary(config: Pick<VmConfig, 'model'>): string {
  return isArm64(config) ? 'qemu-system-aarch64' : 'qemu-system-x86_64';
}

function machineArgs(config: VmConfig): string[] {
  // qemu-arm-64: the virt board with u-boot as its firmware, which netboots as a Pi's u-boot does
  // (DHCP, then boot.scr.uimg by TFTP: the agent's probe or node script). Always TCG: an x86 host's
  // KVM cannot run an arm64 guest.
  if (isArm64(config))
    return ['-machine', 'virt', '-cpu', 'cortex-a57', '-accel', 'tcg', '-bios', UBOOT_QEMU_ARM64];
  // graphics=off makes SeaBIOS (and through it iPXE) write to the serial port: with -nodefaults
  // there is no VGA, and without it the firmware's output would go nowhere.
  return ['-machine', 'pc,graphics=off', '-accel', config.accel];
}

/**
 * The arm64 board's NIC is virtio over MMIO: Debian's u-boot 2023.01 reads the MAC of a virtio-net-pci
 * device as its first byte six times (52:52:52:52:52:52 on every machine, seen in a capture); over MMIO
 * it reads the right one, and needs no option ROM.
 */
function nicDevice(config: VmConfig): string {
  return isArm64(config) ? 'virtio-net-device' : 'virtio-net-pci';
}

export function qemuArgs(config: VmConfig): string[] {
  const { virtual, workDir } = config;
  return [
    '-name',
    optionValue(config.node),
    ...machineArgs(config),
    '-m',
    `${sizeMiB(virtual.memory, 'memory')}M`,
    '-smp',
    String(virtual.cpus),
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    // A guest reboot makes qemu exit; the supervisor starts it again, so each boot goes through
    // DHCP and iPXE anew and picks up the node's current image (as WalT does).
    '-no-reboot',
    '-chardev',
    'stdio,id=s0,signal=off',
    '-serial',
    'chardev:s0',
    '-qmp',
    `unix:${optionValue(qmpSocketPath(workDir, config.tap))},server=on,wait=off`,
    '-pidfile',
    pidFilePath(workDir),
    // u-boot's distro boot reaches its DHCP target by itself; a PC boots from the network first.
    ...(isArm64(config) ? [] : ['-boot', 'n']),
    '-netdev',
    `tap,id=n0,ifname=${config.tap},script=no,downscript=no`,
    '-device',
    `${nicDevice(config)},netdev=n0,mac=${config.mac.toLowerCase()}`,
    ...diskArgs(config),
  ];
}
