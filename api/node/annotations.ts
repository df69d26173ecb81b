// Annotations and labels on WaltNodes that the CLI, the operator and the agents agree on.

/** RFC 3339 time of a `walt node reboot` request; the agent reboots once per newer request. */
export const REBOOT_REQUESTED_AT_ANNOTATION = 'walt.dev/reboot-requested-at';
/**
 * "hard" or "soft" (WalT's `--hard`, hard_only): hard skips the soft step of a physical node's reboot
 * (docs/power.md); VMs always restart.
 */
export const REBOOT_MODE_ANNOTATION = 'walt.dev/reboot-mode';
/** On WaltNodes the agent registered from DHCP (autoRegister), so they can be collected. */
export const DISCOVERED_LABEL = 'walt.dev/discovered';
