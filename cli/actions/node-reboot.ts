// `walt node reboot <node-set> [--hard]`: stamp each node with the time of the request; the agent
// running the node carries it out once (agents/vnodes/requested-reboot.ts).
import { REBOOT_MODE_ANNOTATION, REBOOT_REQUESTED_AT_ANNOTATION } from '../../api/node/index.js';
import { RESOURCES } from '../../api/v1alpha1/index.js';
import type { CliContext } from '../context.js';
import { checkOwnership } from '../../client/node-sets.js';
import { selectNodes, withoutPowerDriver } from './nodes.js';

export interface NodeRebootOptions {
  hard?: boolean;
  force?: boolean;
}

export async function nodeReboot(ctx: CliContext, set: string, options: NodeRebootOptions): Promise<void> {
  const nodes = await selectNodes(ctx, set);
  checkOwnership(nodes, ctx.owner, options.force === true);
  // Millisecond precision: two requests in the same second are still two requests.
  const requestedAt = ctx.now().toISOString();
  const annotations = {
    [REBOOT_REQUESTED_AT_ANNOTATION]: requestedAt,
    [REBOOT_MODE_ANNOTATION]: options.hard ? 'hard' : 'soft',
  };
  for (const node of nodes) {
    await ctx.client.mergePatch(RESOURCES.node, { name: node.metadata.name }, { metadata: { annotations } });
    ctx.io.out(`${node.metadata.name}: reboot requested\n`);
  }
  const manual = withoutPowerDriver(nodes);
  if (manual.length > 0) {
    ctx.io.err(
      `note: no power driver for ${manual.join(', ')}: nothing can reboot them from here (power-cycle them)\n`,
    );
  }
}
