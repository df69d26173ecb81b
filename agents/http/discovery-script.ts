// The iPXE script of an unknown x86 PC on a segment with autoRegister (WalT's undionly.kpxe embedded
// script, walt-reference §4.4): iPXE learns the machine's model from the CPU, announces it as the DHCP
// user class `walt.node.<model>` and asks DHCP again, which registers the machine as a WaltNode
// (agents/dhcp/service.ts, within the segment's autoRegisterLimits); then it chains the node's own
// script, which boots the model's default image or waits for it (RETRY_OVER_IPXE). Pure text: the only
// value put in it is the retry URL, checked as one token.
import { DEFAULT_RETRY_DELAY_SECONDS, scriptToken } from './ipxe-script.js';

/** The models an x86 PC can say it is: long mode (CPUID 0x80000001 EDX bit 29) or not. */
export const X86_64_MODEL = 'pc-x86-64';
export const X86_32_MODEL = 'pc-x86-32';

export interface DiscoveryScriptInput {
  /** The script URL of this machine (by MAC), chained once it announced its model. */
  retryUrl: string;
  delaySeconds?: number;
}

/**
 * Learn the model, DHCP again as `walt.node.<model>`, chain the node's script. A machine that comes back
 * here (not registered yet: the agent was slower than iPXE, or the segment's limits refused it) waits
 * `delaySeconds` before asking again, so an unregistered machine costs one DHCP exchange per delay.
 * An x86_64 iPXE build (EFI) runs on a 64-bit CPU only; a 32-bit build (BIOS undionly, qemu's ROMs) asks
 * the CPU with `cpuid --ext 29`.
 */
export function discoveryScript(input: DiscoveryScriptInput): string {
  const delay = input.delaySeconds ?? DEFAULT_RETRY_DELAY_SECONDS;
  const retryUrl = scriptToken('retry URL', input.retryUrl);
  return [
    '#!ipxe',
    'echo walt: unknown machine: learning its model to register it',
    `isset \${walt_discovery} && sleep ${delay} || set walt_discovery 1`,
    `set walt_model ${X86_32_MODEL}`,
    `iseq \${buildarch} x86_64 && set walt_model ${X86_64_MODEL} || echo walt: 32-bit iPXE, asking the CPU`,
    `cpuid --ext 29 && set walt_model ${X86_64_MODEL} || echo walt: no long mode reported by cpuid`,
    'echo walt: model ${walt_model}: asking DHCP again as walt.node.${walt_model}',
    'set user-class walt.node.${walt_model}',
    'dhcp || goto failed',
    `chain ${retryUrl} || goto failed`,
    ':failed',
    `echo walt: discovery failed, retrying in ${delay} s`,
    `sleep ${delay}`,
    `chain ${retryUrl} || reboot`,
    '',
  ].join('\n');
}
