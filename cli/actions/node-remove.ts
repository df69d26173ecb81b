// `walt node remove <node-set>`: delete virtual nodes (their agent stops the VM and deletes its disks
// before the node goes, through its finalizer). Refused for physical nodes, as in WalT.
import { ERR_CLI_PHYSICAL_NODE } from '../../client/errors.js';
import { RESOURCES } from '../../api/v1alpha1/index.js';
import type { CliContext } from '../context.js';
import { checkOwnership } from '../../client/node-sets.js';
import { selectNodes } from './nodes.js';

export interface NodeRemoveOptions {
  force?: boolean;
}

export async function nodeRemove(ctx: CliContext, set: string, options: NodeRemoveOptions): Promise<void> {
  const nodes = await selectNodes(ctx, set);
  const physical = nodes.filter((n) => !n.spec.virtual).map((n) => n.metadata.name);
  if (physical.length > 0) throw ERR_CLI_PHYSICAL_NODE(physical);
  checkOwnership(nodes, ctx.owner, options.force === true);
  for (const node of nodes) {
    await ctx.client.remove(RESOURCES.node, node.metadata.name);
    ctx.io.out(`${node.metadata.name}: removed\n`);
  }
}
