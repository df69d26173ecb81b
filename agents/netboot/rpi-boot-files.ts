// The Raspberry Pi boot files the agent generates, as pure functions of data (walt-reference §4.3 a,
// "rpi64" images). A Pi with `firmware: 'rpi'` (3B+, 4B, 400, 5B) boots with no bootloader of ours:
// its ROM/EEPROM firmware fetches config.txt, cmdline.txt, the kernel, initrd and device tree over TFTP
// from the node's boot directory and starts Linux itself. So the kernel command line cannot be built by
// a script on the node as on x86 (iPXE) or u-boot: the agent writes it.
//
// - cmdline.txt: the arguments of the image's own `/boot/<model>/cmdline.txt` (console=… and the like),
//   minus those the agent sets, then the same NFS-root and node arguments as an x86 node
//   (kernel-args.ts), with the leased address passed statically (`ip=`). WalT's images carry an
//   nfsroot with a `%s` the initramfs fills in; here the agent fills in the whole root instead, so an
//   image's root/nfsroot/ip/init arguments are dropped, never merged.
// - config.txt: the image's own when it has one (served as is); else a default that boots the image's
//   64-bit kernel and initrd with the device tree of the model.
import { RpiCmdlineTooLong, RpiUnsafeArgument } from './rpi-errors.js';
import { kernelIpValue } from './kernel-args.js';

/** Bytes of an image's cmdline.txt or config.txt read at most (the firmware's files are small). */
export const MAX_IMAGE_FILE_BYTES = 16 * 1024;
/** A Linux arm64 command line holds 2048 bytes (COMMAND_LINE_SIZE), the terminating NUL included. */
export const MAX_CMDLINE_BYTES = 2047;
/** Arguments kept from the image at most. */
export const MAX_IMAGE_ARGS = 64;

/** Arguments the agent sets (key before "=", or the whole flag): an image's own are dropped. */
const OWNED = new Set(['root', 'nfsroot', 'ip', 'ro', 'rw', 'init', 'rootfstype', 'boot', 'nfsrootdebug']);
const TOKEN = /^[\x21-\x7e]+$/;

/** The device tree the firmware loads for each Pi model that boots without u-boot. */
export const RPI_DEVICE_TREES: Readonly<Record<string, string>> = {
  'rpi-3-b-plus': 'bcm2710-rpi-3-b-plus.dtb',
  'rpi-4-b': 'bcm2711-rpi-4-b.dtb',
  'rpi-400': 'bcm2711-rpi-400.dtb',
  'rpi-5-b': 'bcm2712-rpi-5-b.dtb',
};

/** The console of a Pi when its image says nothing (WalT's rpi64 images: serial, then the screen). */
export const DEFAULT_RPI_CONSOLE = ['console=serial0,115200', 'console=tty1'];

function owned(arg: string): boolean {
  const key = arg.split('=', 1)[0]!;
  return OWNED.has(key) || key.startsWith('walt.');
}

/**
 * The arguments of an image's cmdline.txt worth keeping: split on any whitespace (the firmware reads
 * the first line, editors add newlines), non-printable tokens and the agent's own arguments dropped,
 * duplicates kept once, at most MAX_IMAGE_ARGS.
 */
export function imageCmdlineArgs(text: string): string[] {
  const kept: string[] = [];
  for (const arg of text.slice(0, MAX_IMAGE_FILE_BYTES).split(/\s+/)) {
    if (kept.length >= MAX_IMAGE_ARGS) break;
    if (arg === '' || !TOKEN.test(arg) || owned(arg) || kept.includes(arg)) continue;
    kept.push(arg);
  }
  return kept;
}

function token(what: string, value: string): string {
  if (!TOKEN.test(value)) throw RpiUnsafeArgument(what, value);
  return value;
}

export interface RpiCmdlineInput {
  /** nfsRootArgs() of the node. */
  rootArgs: readonly string[];
  /** nodeKernelArgs() of the node. */
  nodeArgs: readonly string[];
  /** The image's /boot/<model>/cmdline.txt, when it has one. */
  imageCmdline?: string;
}

/** cmdline.txt: one line, the image's arguments first (consoles), then the agent's. */
export function rpiCmdline(input: RpiCmdlineInput): string {
  const image = input.imageCmdline === undefined ? DEFAULT_RPI_CONSOLE : imageCmdlineArgs(input.imageCmdline);
  const ours = [...input.rootArgs, ...input.nodeArgs].map((arg) => token('kernel argument', arg));
  const line = [...image, ...ours].join(' ');
  if (Buffer.byteLength(line) > MAX_CMDLINE_BYTES)
    throw RpiCmdlineTooLong(Buffer.byteLength(line), MAX_CMDLINE_BYTES);
  return `${line}\n`;
}

/**
 * The `ip=` value of a Pi: its leased address, the agent, the gateway it was given by DHCP (empty
 * when none), the netmask and its name; no autoconfiguration in the kernel (`off`).
 */
export function staticIpArg(input: {
  ip: string;
  server: string;
  gateway?: string;
  netmask: string;
  nodeName: string;
}): string {
  const fields = {
    client: input.ip,
    server: input.server,
    gateway: input.gateway ?? '',
    netmask: input.netmask,
    hostname: input.nodeName,
  };
  Object.values(fields).forEach((part) => part === '' || token('ip= field', part));
  return kernelIpValue(fields);
}

export interface RpiConfigInput {
  model: string;
  /** The kernel and initrd names in the node's boot directory. */
  kernel: string;
  initrd?: string;
}

/** The default config.txt, for an image without its own. */
export function rpiConfigTxt(input: RpiConfigInput): string {
  const kernel = token('kernel file name', input.kernel);
  const dtb = RPI_DEVICE_TREES[input.model];
  return [
    `# Generated by the walt agent for ${token('model', input.model)}: the image has no /boot/${input.model}/config.txt.`,
    '# The kernel command line is in cmdline.txt (also generated).',
    'arm_64bit=1',
    `kernel=${kernel}`,
    ...(input.initrd === undefined
      ? []
      : [`initramfs ${token('initrd file name', input.initrd)} followkernel`]),
    ...(dtb === undefined ? [] : [`device_tree=${dtb}`]),
    'enable_uart=1',
    '',
  ].join('\n');
}
