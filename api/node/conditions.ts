// Condition types on WaltNode.status written by the agents, read by the operator and the CLI.

/** The last `walt node reboot` request the agent carried out (message: "requested at <time>; …"). */
export const REBOOT_REQUEST_CONDITION = 'RebootRequest';
/** The last image change the agent rebooted the node for (observedGeneration: the spec's). */
export const IMAGE_REBOOT_CONDITION = 'ImageReboot';
/** Whether the node is powered (a virtual node: its VM runs). */
export const POWERED_CONDITION = 'Powered';
/**
 * The last reboot the agent started for a node powered from outside (agents/power/escalation.ts):
 * Unknown while it waits for the bootup (reason SoftReboot or HardReboot), True once the node booted,
 * False when the boot watchdog gave up (BootTimeout) or the driver failed (PowerFailed).
 */
export const REBOOT_CONDITION = 'Reboot';
