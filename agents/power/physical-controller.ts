// Nodes of the segment that are not VMs of this agent (Raspberry Pis, PCs): the agent reboots them
// through their power driver when their image changes or a user asks, as the vnode controller does
// for VMs. A node without a driver ("none") is left alone: nobody can power it, and `walt node wait`
// does not wait for its reboot either (api/node/reboot.ts). A driver that fails (not configured, not
// implemented, unreachable) is recorded in the node's conditions, once per request or spec change.
import { powerDriverOf } from '../../api/node/index.js';
import { RESOURCES, type WaltNode } from '../../api/v1alpha1/index.js';
import type { ManagedControllerOptions } from '../../runtime/index.js';
import type { RebootPath } from './reboot-path.js';

/** Whether this controller acts on `node` (pure). */
export function powersFromOutside(node: WaltNode, segment: string): boolean {
  return (
    !node.metadata.deletionTimestamp &&
    node.spec.segment === segment &&
    !node.spec.virtual &&
    powerDriverOf(node) !== 'none'
  );
}

export function physicalPowerController(options: {
  segment: string;
  reboots: RebootPath;
}): ManagedControllerOptions<WaltNode> {
  return {
    name: `agent-power-${options.segment}`,
    resource: RESOURCES.node,
    fieldManager: `walt-agent-${options.segment}-power`,
    reconcile: async (node) => {
      if (!powersFromOutside(node, options.segment)) return;
      await options.reboots.image.check(node);
      await options.reboots.request.check(node);
    },
  };
}
