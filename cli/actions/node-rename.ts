// `walt node rename` / `walt device rename`: WaltNode names are immutable, so the node is created again
// under the new name with the same spec and labels, then the old one is deleted (its status is the
// agents' to write again: the node is known by its MAC, it reappears at its next boot report).
import { ERR_CLI_ALREADY_EXISTS, ERR_CLI_BAD_NODE_NAME, ERR_CLI_UNKNOWN_NODES } from '../../client/errors.js';
import { API_VERSION, RESOURCES, type WaltNode } from '../../api/v1alpha1/index.js';
import type { CliContext } from '../context.js';
import { isNodeName } from './nodes.js';

export async function renameNode(ctx: CliContext, from: string, to: string): Promise<void> {
  if (!isNodeName(to)) throw ERR_CLI_BAD_NODE_NAME(to);
  const old = await ctx.client.get<WaltNode>(RESOURCES.node, from);
  if (!old) throw ERR_CLI_UNKNOWN_NODES([from]);
  if (from === to) return;
  if (await ctx.client.get<WaltNode>(RESOURCES.node, to)) throw ERR_CLI_ALREADY_EXISTS(`node ${to}`);
  const labels = old.metadata.labels;
  await ctx.client.create<WaltNode>(RESOURCES.node, {
    apiVersion: API_VERSION,
    kind: RESOURCES.node.kind,
    metadata: { name: to, ...(labels ? { labels } : {}) },
    spec: old.spec,
  });
  await ctx.client.remove(RESOURCES.node, from);
  ctx.io.out(`${from} renamed to ${to}\n`);
}
