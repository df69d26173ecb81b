// Nodes of the segment that are not VMs of this agent (Raspberry Pis, PCs): the agent reboots them
// when their image changes or a user or an experiment asks, as the vnode controller does for VMs, but
// the way WalT does (escalation.ts): soft first, then power cycles under the boot watchdog, which this
// controller runs (it looks again when the node's bootTimeout is up). It also writes Powered. A node without a driver ("none") is left alone: nobody can power it, and `walt node wait`
// does not wait for its reboot either (api/node/reboot.ts). A driver that fails (not configured, not
// implemented, unreachable) is recorded in the node's conditions, once per request or spec change.
import { powerDriverOf } from '../../api/node/index.js';
import { RESOURCES, type WaltNode } from '../../api/v1alpha1/index.js';
import type { ManagedControllerOptions } from '../../runtime/index.js';
import { powerFieldManager } from './escalator.js';
import type { RebootPath } from './reboot-path.js';

/** Looks again at least this often while a reboot waits (a long bootTimeout, a lost timer). */
const MAX_REQUEUE_MS = 10 * 60_000;

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
    fieldManager: powerFieldManager(options.segment),
    // A soft reboot waits up to its command's answer: other nodes' reconciles go on meanwhile.
    concurrency: 4,
    reconcile: async (node, ctx) => {
      if (!powersFromOutside(node, options.segment)) return;
      const { escalator } = options.reboots;
      await escalator?.observe(node);
      await options.reboots.image.check(node);
      await options.reboots.request.check(node);
      // On a cached object the checks above may have made stale: the watchdog writes guarded, deciding
      // again on the fresh object, and the write of a new state brings a reconcile of its own.
      const afterMs = await escalator?.watch(node, ctx.events);
      return afterMs === undefined ? undefined : { requeueAfterMs: Math.min(afterMs + 1000, MAX_REQUEUE_MS) };
    },
  };
}
