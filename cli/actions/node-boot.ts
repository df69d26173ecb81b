// `walt node boot <node-set> <image>` (WalT's deploy): set spec.image — the user's own write, the one
// the CLI makes to a spec; the boot agent reboots each node into it (agents/power/image-reboot.ts). A
// node an experiment claims boots the claim's image until it is released (api/node/boot-image.ts). The image must exist and support every node's model; nodes
// already on it are left alone, as WalT does.
import { ERR_CLI_IMAGE_NOT_FOUND } from '../../client/errors.js';
import { RESOURCES, type WaltImage, type WaltNode } from '../../api/v1alpha1/index.js';
import type { CliContext } from '../context.js';
import { checkModels, parseImageArg, specImageOf, type ImageChoice } from '../../client/image-ref.js';
import { bootsDefaultImage, checkOwnership, ownerOf } from '../../client/node-sets.js';
import { selectNodes, withoutPowerDriver } from './nodes.js';

export interface NodeBootOptions {
  force?: boolean;
}

/** The WaltImage a choice names, checked against the nodes' models ("default" needs no check). */
async function checkImage(ctx: CliContext, choice: ImageChoice, nodes: readonly WaltNode[]): Promise<void> {
  if (choice.kind === 'default') return;
  const image = await ctx.client.get<WaltImage>(RESOURCES.image, choice.name, choice.namespace);
  if (!image) throw ERR_CLI_IMAGE_NOT_FOUND(`${choice.namespace}/${choice.name}`);
  checkModels(image, nodes);
}

function alreadyBoots(ctx: CliContext, node: WaltNode, value: string): boolean {
  return node.spec.image === value || (value === 'default' && bootsDefaultImage(node, ctx.owner));
}

export async function nodeBoot(
  ctx: CliContext,
  args: { set: string; image: string },
  options: NodeBootOptions,
): Promise<void> {
  const choice = parseImageArg(args.image, ctx.namespace);
  const nodes = await selectNodes(ctx, args.set);
  checkOwnership(nodes, ctx.owner, options.force === true);
  await checkImage(ctx, choice, nodes);
  const value = specImageOf(choice);
  const ignored = nodes.filter((n) => alreadyBoots(ctx, n, value));
  const changed = nodes.filter((n) => !ignored.includes(n));
  for (const node of changed) {
    await ctx.client.mergePatch(RESOURCES.node, { name: node.metadata.name }, { spec: { image: value } });
    ctx.io.out(`${node.metadata.name}: now boots ${value}\n`);
  }
  if (ignored.length > 0) {
    ctx.io.out(`${ignored.map((n) => n.metadata.name).join(', ')}: already on ${value}, ignored\n`);
  }
  const claimed = changed.filter((n) => n.status?.claimedBy?.image);
  if (claimed.length > 0) {
    ctx.io.err(
      `note: ${claimed.map((n) => `${n.metadata.name} (${ownerOf(n)})`).join(', ')} boot the experiment's image until it releases them, then ${value}\n`,
    );
  }
  const manual = withoutPowerDriver(changed);
  if (manual.length > 0) {
    ctx.io.err(
      `note: no power driver for ${manual.join(', ')}: they switch to ${value} at their next boot (power-cycle them)\n`,
    );
  }
}
