// Coded errors of the power drivers. Tests assert on the codes, never on the text.
import { defineError } from '../../common/errors.js';

export const ERR_POWER_NO_DRIVER = defineError(
  'WALT_ERR_POWER_NO_DRIVER',
  (node: string) =>
    `node ${node} has no power driver: reboot it by hand, or set spec.power.driver (snmp-poe, webhook)`,
  409,
);

export const ERR_POWER_DRIVER_UNAVAILABLE = defineError(
  'WALT_ERR_POWER_DRIVER_UNAVAILABLE',
  (driver: string, node: string) =>
    `power driver ${driver} of node ${node} is not available in this process: virtual nodes are powered by the boot agent of their segment (started with --boot)`,
  503,
);

export const ERR_POWER_WEBHOOK_CONFIG = defineError(
  'WALT_ERR_POWER_WEBHOOK_CONFIG',
  (node: string, detail: string) => `webhook power driver of node ${node}: ${detail}`,
  400,
);

export const ERR_POWER_WEBHOOK_SECRET = defineError(
  'WALT_ERR_POWER_WEBHOOK_SECRET',
  (node: string, detail: string) =>
    `webhook power driver of node ${node}: ${detail} (the agent reads power Secrets in its own namespace, by the names its RBAC grants: docs/power.md)`,
  400,
);

export const ERR_POWER_WEBHOOK_FAILED = defineError(
  'WALT_ERR_POWER_WEBHOOK_FAILED',
  (node: string, action: string, detail: string) =>
    `webhook power driver could not switch node ${node} ${action}: ${detail}; check spec.power.webhook and the power controller it calls`,
  502,
);
