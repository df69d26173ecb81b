// u-boot scripts the agent serves by TFTP, as pure functions of data (walt-reference §4.3 a):
// - the probe script, for a machine no WaltNode has: it derives its model as WalT's u-boot does
//   (`$fdtfile` from the Raspberry Pi firmware → rpi-<model>; otherwise the board: qemu's virt board →
//   qemu-arm-64), announces it in DHCP (`bootp_vci walt.node.<model>`, so the DHCP service registers it
//   on a segment with autoRegister), then asks for its node script, or resets to try again;
// - the node script of a node the gate lets boot: the kernel arguments (NFS root, node, server: the
//   very ones of the iPXE script) in `bootargs`, then the image's own `start.uboot` of the model, which
//   loads the kernel, initrd and device tree;
// - the retry script of a known node that may not boot yet: says why, waits, resets.
// Values go into scripts only as single safe tokens; u-boot's hush expands ${…} and splits on ; and
// spaces, and quotes.
import { UbootUnsafeValue } from './errors.js';
import { kernelIpValue } from './kernel-args.js';

/** What Debian's u-boot asks for by DHCP + TFTP in its distro boot (`boot_script_dhcp`). */
export const UBOOT_BOOT_SCRIPT = 'boot.scr.uimg';
/** The node script, by the name the probe asks it after announcing its model. */
export const UBOOT_NODE_SCRIPT = 'walt-node.uboot';
/** The model script in the image's /boot/<model>/ (WalT's name). */
export const UBOOT_MODEL_SCRIPT = 'start.uboot';

const SAFE_TOKEN = /^[A-Za-z0-9._~:/?=,+@%*![\]-]+$/;
const UNSAFE_TEXT = /[^A-Za-z0-9 .,:/_=+()@%!?<>*-]+/g;

export function ubootToken(what: string, value: string): string {
  if (!SAFE_TOKEN.test(value)) throw UbootUnsafeValue(what, value);
  return value;
}

function text(value: string): string {
  return value.replace(UNSAFE_TEXT, ' ').replace(/\s+/g, ' ').trim();
}

/** The value of the kernel's `ip=` argument from what u-boot's DHCP just set (static: no second DHCP in the initramfs). */
export function ubootIpArgument(nodeName: string): string {
  return kernelIpValue({
    client: '${ipaddr}',
    server: '${serverip}',
    gateway: '${gatewayip}',
    netmask: '${netmask}',
    hostname: ubootToken('node name', nodeName),
  });
}

export const PROBE_SCRIPT = [
  '# walt: probe of a machine the testbed does not know yet (served by the boot agent)',
  'setenv walt_model',
  'if test -n "${fdtfile}"; then',
  '  setexpr walt_model sub "^.*-rpi-" "rpi-" "${fdtfile}"',
  '  setexpr walt_model sub "-rev[0-9]+" "" "${walt_model}"',
  '  setexpr walt_model sub "[.]dtb$" "" "${walt_model}"',
  'elif test "${board_name}" = "qemu-arm" && test "${cpu}" = "armv8"; then',
  '  setenv walt_model qemu-arm-64',
  'elif test "${board_name}" = "qemu-arm"; then',
  '  setenv walt_model qemu-arm-32',
  'fi',
  'if test -z "${walt_model}"; then',
  '  echo "walt: unknown board ${board_name}, cannot announce a model; resetting in 10 s"',
  '  sleep 10',
  '  reset',
  'fi',
  'echo "walt: this machine is a ${walt_model}; announcing it by DHCP"',
  'setenv bootp_vci walt.node.${walt_model}',
  'setenv autoload no',
  'dhcp || reset',
  // The agent registers the node as it answers: give its cache a moment to see the new WaltNode.
  'sleep 2',
  `if tftpboot \${scriptaddr} ${UBOOT_NODE_SCRIPT}; then source \${scriptaddr}; fi`,
  'echo "walt: no boot script for this machine yet; resetting"',
  'reset',
  '',
].join('\n');

export interface NodeScriptInput {
  nodeName: string;
  model: string;
  kernelArgs: readonly string[];
}

export function nodeScript(input: NodeScriptInput): string {
  const args = input.kernelArgs.map((arg, i) =>
    // The ip= argument carries u-boot variables on purpose: the only place "$" is let through.
    arg.startsWith('ip=${') ? arg : ubootToken(`kernel argument ${i}`, arg),
  );
  return [
    `# walt: boot script of node ${text(input.nodeName)} (served by the boot agent)`,
    `echo "walt: booting node ${text(input.nodeName)} (${text(input.model)})"`,
    `setenv bootargs ${args.join(' ')}`,
    `if tftpboot \${scriptaddr} ${UBOOT_MODEL_SCRIPT}; then source \${scriptaddr}; fi`,
    `echo "walt: ${UBOOT_MODEL_SCRIPT} of the image failed; resetting"`,
    'reset',
    '',
  ].join('\n');
}

export interface RetryInput {
  reason: string;
  message: string;
  delaySeconds: number;
}

export function retryScript(input: RetryInput): string {
  return [
    `echo "walt: cannot boot yet: ${text(input.reason)}: ${text(input.message)}"`,
    `echo "walt: resetting in ${Math.max(1, Math.round(input.delaySeconds))} s"`,
    `sleep ${Math.max(1, Math.round(input.delaySeconds))}`,
    'reset',
    '',
  ].join('\n');
}
