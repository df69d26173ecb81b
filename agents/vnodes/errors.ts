// Coded errors of the virtual-node service. Tests assert on the codes, never on the text.
import { defineError } from '../../common/errors.js';

export const ERR_VNODE_NO_INTERFACE = defineError(
  'WALT_ERR_VNODE_NO_INTERFACE',
  (segment: string) =>
    `segment ${segment} names no interface yet (or the WaltSegment is missing): set spec.interface to the segment's bridge`,
  503,
);

export const ERR_VNODE_INTERFACE_MISSING = defineError(
  'WALT_ERR_VNODE_INTERFACE_MISSING',
  (iface: string, detail: string) =>
    `interface ${iface} does not exist in the agent's network namespace (${detail}): create the bridge or fix WaltSegment spec.interface`,
  503,
);

export const ERR_VNODE_NOT_A_BRIDGE = defineError(
  'WALT_ERR_VNODE_NOT_A_BRIDGE',
  (iface: string, kind: string) =>
    `interface ${iface} is a ${kind || 'plain device'}, not a Linux bridge: virtual nodes plug their tap into the segment's bridge, so make spec.interface a bridge (ip link add ${iface} type bridge) or run virtual nodes on another segment`,
  409,
);

export const ERR_VNODE_TAP_FAILED = defineError(
  'WALT_ERR_VNODE_TAP_FAILED',
  (tap: string, action: string, detail: string) => `could not ${action} tap ${tap}: ${detail}`,
  500,
);

export const ERR_VNODE_NOT_RUNNING = defineError(
  'WALT_ERR_VNODE_NOT_RUNNING',
  (node: string, segment: string) =>
    `virtual node ${node} is not run by the agent of segment ${segment}: check its spec.segment and spec.virtual`,
  404,
);

export const ERR_VNODE_BAD_SIZE = defineError(
  'WALT_ERR_VNODE_BAD_SIZE',
  (what: string, value: string) =>
    `${what} "${value}" is not a size this agent understands (e.g. 512Mi, 8Gi)`,
  400,
);

export const ERR_VNODE_BAD_ACCEL = defineError(
  'WALT_ERR_VNODE_BAD_ACCEL',
  (value: string) => `WALT_QEMU_ACCEL="${value}" is not understood: set it to tcg or kvm, or unset it`,
  400,
);
