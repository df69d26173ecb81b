// `walt node acquire|release <node-set>`: WalT's ownership commands, as a claim in the node's status
// (status.claimedBy {namespace: yours, name: "user"}: a user's claim, where an Experiment writes its
// own name). The claim is written with the resourceVersion read, so two users acquiring the same node
// at once cannot both win: the second gets "changed meanwhile" (exit 4). Acquire refuses nodes already
// yours and, without --force, nodes of others; release requires yours, drops the claim and boots the
// default image again.
import { ERR_CLI_ALREADY_YOURS, ERR_CLI_NOT_YOURS } from '../../client/errors.js';
import { RESOURCES, type WaltNode } from '../../api/v1alpha1/index.js';
import type { CliContext } from '../context.js';
import { checkOwnership, isMine, ownerOf } from '../../client/node-sets.js';
import { selectNodes } from './nodes.js';

/** The claim name of a user's own acquire (an Experiment's claim carries the Experiment's name). */
export const USER_CLAIM = 'user';

export interface NodeAcquireOptions {
  force?: boolean;
}

const names = (nodes: readonly WaltNode[]): string[] => nodes.map((n) => n.metadata.name);

async function writeClaim(ctx: CliContext, node: WaltNode, claim: object | null): Promise<void> {
  const patch = {
    metadata: { resourceVersion: node.metadata.resourceVersion },
    status: { claimedBy: claim },
  };
  await ctx.client.mergePatchStatus(RESOURCES.node, { name: node.metadata.name }, patch);
}

export async function nodeAcquire(ctx: CliContext, set: string, options: NodeAcquireOptions): Promise<void> {
  const nodes = await selectNodes(ctx, set);
  const mine = nodes.filter((n) => isMine(n, ctx.owner));
  if (mine.length > 0) throw ERR_CLI_ALREADY_YOURS(names(mine));
  checkOwnership(nodes, ctx.owner, options.force === true);
  for (const node of nodes) {
    await writeClaim(ctx, node, { namespace: ctx.namespace, name: USER_CLAIM });
    ctx.io.out(`${node.metadata.name}: acquired (claimed by ${ctx.namespace}/${USER_CLAIM})\n`);
  }
}

export async function nodeRelease(ctx: CliContext, set: string): Promise<void> {
  const nodes = await selectNodes(ctx, set);
  const others = nodes.filter((n) => !isMine(n, ctx.owner));
  if (others.length > 0) {
    throw ERR_CLI_NOT_YOURS(
      others.map(
        (n) =>
          `${n.metadata.name} (${n.status?.claimedBy || n.spec.image !== 'default' ? ownerOf(n) : 'free'})`,
      ),
    );
  }
  for (const node of nodes) {
    if (node.status?.claimedBy) await writeClaim(ctx, node, null);
    if ((node.spec.image ?? 'default') !== 'default') {
      await ctx.client.mergePatch(
        RESOURCES.node,
        { name: node.metadata.name },
        { spec: { image: 'default' } },
      );
    }
    ctx.io.out(`${node.metadata.name}: released (now boots default)\n`);
  }
}
