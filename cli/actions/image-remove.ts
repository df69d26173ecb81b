// `walt image remove <name>`: refused while a node boots the image, as in WalT.
import { ERR_CLI_IMAGE_IN_USE, ERR_CLI_IMAGE_NOT_FOUND } from '../../client/errors.js';
import { RESOURCES, type WaltImage } from '../../api/v1alpha1/index.js';
import type { CliContext } from '../context.js';
import { parseImageArg } from '../../client/image-ref.js';
import { effectiveImage } from '../../client/node-sets.js';
import { listNodes } from './nodes.js';

export async function imageRemove(ctx: CliContext, name: string): Promise<void> {
  const choice = parseImageArg(name, ctx.namespace);
  if (choice.kind === 'default') throw ERR_CLI_IMAGE_NOT_FOUND('default');
  const full = `${choice.namespace}/${choice.name}`;
  if (!(await ctx.client.get<WaltImage>(RESOURCES.image, choice.name, choice.namespace))) {
    throw ERR_CLI_IMAGE_NOT_FOUND(full);
  }
  const users = (await listNodes(ctx))
    .filter((n) => effectiveImage(n, ctx.owner) === full)
    .map((n) => n.metadata.name);
  if (users.length > 0) throw ERR_CLI_IMAGE_IN_USE(full, users);
  await ctx.client.remove(RESOURCES.image, choice.name, choice.namespace);
  ctx.io.out(`image ${full} removed\n`);
}
