// A soft reboot (`reboot: {hard: false}` steps): what the node runs to reboot itself, and what the
// operator does with the answer. Node images differ: Debian minbase (the default image) has no
// `reboot` (it comes with an init system) but busybox does; systemd and sysvinit images have
// `reboot`; a bare image may have neither. The script picks the first the image has — its `reboot`,
// busybox's (which signals PID 1 with SIGTERM, busybox init's convention, kept by the default image's
// init), else SIGTERM to PID 1 itself — and runs it in the background after a short pause, so that the
// command's result reaches the agent before the node goes down. A node still up 120 s later (an init
// that ignored the request) gets the kernel's own reboot (sysrq b). Pure: tested as functions.
import type { ExecResult } from '../../../api/agent/v1.js';
import { describeFailure } from './agent-of-node.js';

/** Seconds between the script's answer and the reboot: time for its result to reach the agent. */
export const SOFT_REBOOT_DELAY_SECONDS = 3;
/** Seconds the chosen reboot has before the kernel's sysrq reboot. */
export const SOFT_REBOOT_GRACE_SECONDS = 120;

/**
 * Sets `how` to the image's way to reboot and prints it; no side effect (the unit test runs it on the
 * host with a PATH of its own).
 */
export const SOFT_REBOOT_PICK = `busybox_reboots() {
  command -v busybox >/dev/null 2>&1 || return 1
  for applet in $(busybox --list 2>/dev/null); do [ "$applet" = reboot ] && return 0; done
  return 1
}
if command -v reboot >/dev/null 2>&1; then how=reboot
elif busybox_reboots; then how='busybox reboot'
else how='kill -TERM 1'
fi
echo "soft reboot: $how"`;

/** The whole script: pick, then reboot in the background, out of the command's process group. */
export function softRebootScript(): string {
  const later = `sleep ${SOFT_REBOOT_DELAY_SECONDS}; sync; $how; sleep ${SOFT_REBOOT_GRACE_SECONDS}; sync; echo b >/proc/sysrq-trigger`;
  return `${SOFT_REBOOT_PICK}
export how
if command -v setsid >/dev/null 2>&1; then
  setsid sh -c '${later}' </dev/null >/dev/null 2>&1 &
else
  (trap '' HUP; ${later}) </dev/null >/dev/null 2>&1 &
fi`;
}

/** The exec command of a soft reboot (run by the node's /bin/sh). */
export function softRebootCommand(): string[] {
  return ['sh', '-c', softRebootScript()];
}

/** How the exec of the soft reboot ended: its result, or the error it threw. */
export type SoftRebootOutcome = { result: ExecResult } | { error: unknown };

/**
 * What the operator does next:
 * - rebooting: the node said it is rebooting; wait for its bootup (boot.timeout still applies);
 * - hard: the node answered that it could not start a reboot (a failed or timed-out command): a hard
 *   reboot now, instead of a wait of boot.timeout for a reboot that will not come;
 * - wait: no answer. The node may be going down already (its result lost on the way), the agent may be
 *   unreachable, or the command channel not up: WALT_ERR_NODE_NOT_CONNECTED says both "not up when
 *   asked" and "stopped polling while the command ran", and a hard reboot in the second case would
 *   cut a soft reboot under way. The boot timeout decides, and its retry is a hard reboot.
 */
export type SoftRebootVerdict =
  { kind: 'rebooting'; detail: string } | { kind: 'hard'; reason: string } | { kind: 'wait'; reason: string };

const OUTPUT_TAIL = 200;

export function softRebootVerdict(outcome: SoftRebootOutcome): SoftRebootVerdict {
  if ('result' in outcome) {
    const { exitCode, timedOut, output } = outcome.result;
    const said = output.trim().slice(-OUTPUT_TAIL);
    if (exitCode === 0 && !timedOut) return { kind: 'rebooting', detail: said };
    const how = timedOut ? 'timed out' : `exited ${exitCode}`;
    return { kind: 'hard', reason: `the soft reboot command ${how} on the node: ${said || '(no output)'}` };
  }
  return { kind: 'wait', reason: describeFailure(outcome.error) };
}
