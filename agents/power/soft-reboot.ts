// The soft step of a reboot (escalation.ts): a command through the node's command channel (ADR 0008)
// that answers first and reboots a moment later, as WalT's node service answers REBOOT with OK before
// rebooting, so the agent learns the node took it. Like WalT in network boot mode it runs the image's
// /bin/walt-network-reboot when there is one, else `reboot -f` at once (no clean shutdown: every write
// of a netbooted node is in RAM), with busybox's when the image has no reboot of its own (Debian
// minbase). 15 s for the answer, as WalT waits for its node service.
import type { ExecResult } from '../../api/agent/v1.js';
import { isWaltError } from '../../common/errors.js';
import { NodeNotConnected } from '../commands/errors.js';
import type { SoftOutcome } from './escalation.js';

export const SOFT_REBOOT_TIMEOUT_SECONDS = 15;
/** Seconds between the command's exit (its result is posted then) and the reboot. */
const REBOOT_DELAY_SECONDS = 3;

export const SOFT_REBOOT_SCRIPT = [
  'sync',
  '(',
  `  sleep ${REBOOT_DELAY_SECONDS}`,
  '  if [ -x /bin/walt-network-reboot ]; then /bin/walt-network-reboot; fi',
  '  if command -v reboot >/dev/null 2>&1; then reboot -f; fi',
  '  busybox reboot -f',
  ') </dev/null >/dev/null 2>&1 &',
  'echo "walt: rebooting in 3 s"',
].join('\n');

/** The exec request of a soft reboot: sh -c of the script, no waiting for a node that is not connected. */
export function softRebootRequest(): {
  command: string[];
  timeoutSeconds: number;
  connectTimeoutSeconds: number;
} {
  return {
    command: ['sh', '-c', SOFT_REBOOT_SCRIPT],
    timeoutSeconds: SOFT_REBOOT_TIMEOUT_SECONDS,
    connectTimeoutSeconds: 0,
  };
}

/**
 * What the exec's end says (pure): exit 0 is sent; a node not connected, or a script that failed, is a
 * refusal; no answer in time, or a channel lost meanwhile, may still be a reboot under way.
 */
export function softOutcomeOf(result: ExecResult | undefined, error?: unknown): SoftOutcome {
  if (error !== undefined) return isWaltError(error, NodeNotConnected) ? 'refused' : 'noAnswer';
  if (!result || result.timedOut) return 'noAnswer';
  return result.exitCode === 0 ? 'sent' : 'refused';
}

/** A soft-reboot channel over the command service's exec. */
export function softRebootChannel(commands: {
  connected(node: string): boolean;
  exec(node: string, request: ReturnType<typeof softRebootRequest>): Promise<ExecResult>;
}): { connected(node: string): boolean; softReboot(node: string): Promise<SoftOutcome> } {
  return {
    connected: (node) => commands.connected(node),
    softReboot: (node) =>
      commands.exec(node, softRebootRequest()).then(
        (result) => softOutcomeOf(result),
        (error: unknown) => softOutcomeOf(undefined, error),
      ),
  };
}
