// iPXE scripts, as pure functions of data: the boot script of an allowed node (its kernel and initrd
// over HTTP, or the image's own start.ipxe chained with the server parameters set as variables) and
// the retry script of a denied one. Values go into scripts only if they are single safe tokens (iPXE
// expands ${…}, splits on whitespace and treats #, && and || specially); free text is sanitised.
import { kernelIpValue, NODE_INIT, nfsRootArgs } from '../netboot/kernel-args.js';
import { HttpUnsafeScriptValue } from './errors.js';

/** The boot files found in a node's boot directory. */
export type BootFiles =
  { kind: 'chain'; script: string } | { kind: 'kernel'; kernel: string; initrd?: string };

export interface BootScriptInput {
  /** The agent's IPv4 address on the segment: NFS server and `walt.server`. */
  server: string;
  /** Where the agent's HTTP service is reached, e.g. `http://192.168.152.1`. */
  httpBase: string;
  nodeName: string;
  model: string;
  /** The path the image root filesystem is exported at (NFS). */
  exportPath: string;
  files: BootFiles;
  /** Extra kernel arguments (node settings, console…), one token each. */
  extraArgs?: readonly string[];
  /** Where to chain after a failure (the boot script of this node, again). */
  retryUrl: string;
  retryDelaySeconds?: number;
}

export interface RetryScriptInput {
  reason: string;
  message: string;
  retryUrl: string;
  delaySeconds?: number;
}

export const DEFAULT_RETRY_DELAY_SECONDS = 10;
export const START_SCRIPT = 'start.ipxe';

const SAFE_TOKEN = /^[A-Za-z0-9._~:/?=,+@%*![\]-]+$/;
const UNSAFE_TEXT = /[^A-Za-z0-9 .,:;/_=+()@%!?<>*-]+/g;

/** `value` unchanged if iPXE reads it as one literal token; throws WALT_ERR_HTTP_UNSAFE_SCRIPT_VALUE otherwise. */
export function scriptToken(what: string, value: string): string {
  if (!SAFE_TOKEN.test(value)) throw HttpUnsafeScriptValue(what, value);
  return value;
}

/** Free text for `echo`: characters iPXE would interpret are dropped, whitespace collapsed. */
export function scriptText(text: string): string {
  return text.replace(UNSAFE_TEXT, ' ').replace(/\s+/g, ' ').trim();
}

function versionCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

function newest(names: readonly string[], prefix: string): string | undefined {
  return names
    .filter((n) => n.startsWith(prefix))
    .sort(versionCompare)
    .at(-1);
}

function initrdFor(names: readonly string[], kernel: string): string | undefined {
  const version = kernel.startsWith('vmlinuz-') ? kernel.slice('vmlinuz-'.length) : undefined;
  const exact = version === undefined ? undefined : `initrd.img-${version}`;
  if (exact !== undefined && names.includes(exact)) return exact;
  if (names.includes('initrd.img')) return 'initrd.img';
  return newest(names, 'initrd.img-') ?? (names.includes('initrd') ? 'initrd' : undefined);
}

/**
 * Picks the boot files from the names in a boot directory: the image's own `start.ipxe` first, else
 * `vmlinuz` (or the newest `vmlinuz-<version>`, or WalT's `kernel`) with the matching initrd.
 */
export function chooseBootFiles(names: readonly string[]): BootFiles | undefined {
  if (names.includes(START_SCRIPT)) return { kind: 'chain', script: START_SCRIPT };
  const kernel = names.includes('vmlinuz')
    ? 'vmlinuz'
    : (newest(names, 'vmlinuz-') ?? (names.includes('kernel') ? 'kernel' : undefined));
  if (kernel === undefined) return undefined;
  const initrd = initrdFor(names, kernel);
  return initrd === undefined ? { kind: 'kernel', kernel } : { kind: 'kernel', kernel, initrd };
}

/** The project's node init (node/walt/init): defined with the other kernel arguments. */
export { NODE_INIT };

/** What the kernel arguments depend on (the iPXE and u-boot scripts both use them). */
export type KernelArgumentsInput = Pick<BootScriptInput, 'server' | 'nodeName' | 'exportPath' | 'extraArgs'>;

/**
 * The kernel arguments that mount the image over NFSv3 read-only and start walt-init. `ip` is the
 * value of the static `ip=` in the boot loader's own variables (iPXE's by default; u-boot's script
 * passes its own).
 */
export function kernelArguments(input: KernelArgumentsInput, ip?: string): string[] {
  const nodeName = scriptToken('node name', input.nodeName);
  return [
    ...nfsRootArgs({
      server: scriptToken('server address', input.server),
      nodeName,
      exportPath: scriptToken('export path', input.exportPath),
      // iPXE expands the variables of the address it just got by DHCP.
      ip:
        ip ??
        kernelIpValue({
          client: '${ip}',
          server: '${next-server}',
          gateway: '${gateway}',
          netmask: '${netmask}',
          hostname: nodeName,
        }),
    }),
    ...(input.extraArgs ?? []).map((arg) => scriptToken('kernel argument', arg)),
  ];
}

function fileUrl(input: BootScriptInput, file: string): string {
  return scriptToken('boot file URL', `${input.httpBase}/boot/${input.nodeName}/${file}`);
}

function failureTail(retryUrl: string, delaySeconds: number): string[] {
  return [
    ':failed',
    `echo walt: boot failed, retrying in ${delaySeconds} s`,
    `sleep ${delaySeconds}`,
    `chain ${scriptToken('retry URL', retryUrl)} || reboot`,
  ];
}

function kernelLines(input: BootScriptInput, files: Extract<BootFiles, { kind: 'kernel' }>): string[] {
  const args = kernelArguments(input);
  const initrdArg = files.initrd === undefined ? [] : [`initrd=${scriptToken('initrd', files.initrd)}`];
  return [
    `kernel ${fileUrl(input, files.kernel)} ${[...initrdArg, ...args].join(' ')} || goto failed`,
    ...(files.initrd === undefined ? [] : [`initrd ${fileUrl(input, files.initrd)} || goto failed`]),
    'boot || goto failed',
  ];
}

function chainLines(input: BootScriptInput, script: string): string[] {
  const args = kernelArguments(input);
  const server = scriptToken('server address', input.server);
  return [
    `set walt_node ${scriptToken('node name', input.nodeName)}`,
    `set walt_model ${scriptToken('model', input.model)}`,
    `set walt_server ${server}`,
    `set walt_nfsroot ${server}:${scriptToken('export path', input.exportPath)}`,
    `set walt_bootargs ${args.join(' ')}`,
    `set node_model ${scriptToken('model', input.model)}`,
    `set urlprefix ${scriptToken('boot URL', `${input.httpBase}/boot/${input.nodeName}`)}`,
    `chain ${fileUrl(input, script)} || goto failed`,
  ];
}

/** The iPXE script that boots an allowed node. */
export function bootScript(input: BootScriptInput): string {
  const delay = input.retryDelaySeconds ?? DEFAULT_RETRY_DELAY_SECONDS;
  const body =
    input.files.kind === 'chain' ? chainLines(input, input.files.script) : kernelLines(input, input.files);
  return [
    '#!ipxe',
    `echo walt: booting node ${scriptText(input.nodeName)} (${scriptText(input.model)})`,
    ...body,
    ...failureTail(input.retryUrl, delay),
    '',
  ].join('\n');
}

/** The iPXE script of a node that may not boot now: say why, wait, ask again. Boots nothing. */
export function retryScript(input: RetryScriptInput): string {
  const delay = input.delaySeconds ?? DEFAULT_RETRY_DELAY_SECONDS;
  return [
    '#!ipxe',
    `echo walt: cannot boot now: ${scriptText(input.reason)}`,
    `echo walt: ${scriptText(input.message)}`,
    `echo walt: retrying in ${delay} s`,
    `sleep ${delay}`,
    `chain ${scriptToken('retry URL', input.retryUrl)} || reboot`,
    '',
  ].join('\n');
}
