// `walt image rename <old> <new>`: WaltImage names are immutable, so the image is created again under
// the new name with the same spec and labels, then the old one is deleted. As in WalT it is refused
// while a node boots the image, and when the new name is taken.
import {
  ERR_CLI_ALREADY_EXISTS,
  ERR_CLI_IMAGE_IN_USE,
  ERR_CLI_IMAGE_NOT_FOUND,
  ERR_CLI_USAGE,
} from '../../client/errors.js';
import { API_VERSION, RESOURCES, type WaltImage } from '../../api/v1alpha1/index.js';
import type { CliContext } from '../context.js';
import { parseImageArg } from '../../client/image-ref.js';
import { effectiveImage } from '../../client/node-sets.js';
import { listNodes } from './nodes.js';

function imageName(ctx: CliContext, arg: string): { namespace: string; name: string } {
  const choice = parseImageArg(arg, ctx.namespace);
  if (choice.kind === 'default') throw ERR_CLI_USAGE('the default images cannot be renamed');
  return choice;
}

export async function imageRename(ctx: CliContext, from: string, to: string): Promise<void> {
  const old = imageName(ctx, from);
  const target = imageName(ctx, to.includes('/') ? to : `${old.namespace}/${to}`);
  if (target.namespace !== old.namespace) throw ERR_CLI_USAGE('an image is renamed within its namespace');
  const full = `${old.namespace}/${old.name}`;
  const image = await ctx.client.get<WaltImage>(RESOURCES.image, old.name, old.namespace);
  if (!image) throw ERR_CLI_IMAGE_NOT_FOUND(full);
  if (old.name === target.name) return;
  if (await ctx.client.get<WaltImage>(RESOURCES.image, target.name, target.namespace)) {
    throw ERR_CLI_ALREADY_EXISTS(`image ${target.namespace}/${target.name}`);
  }
  const users = (await listNodes(ctx)).filter((n) => effectiveImage(n, ctx.owner) === full);
  if (users.length > 0)
    throw ERR_CLI_IMAGE_IN_USE(
      full,
      users.map((n) => n.metadata.name),
    );
  const labels = image.metadata.labels;
  await ctx.client.create<WaltImage>(RESOURCES.image, {
    apiVersion: API_VERSION,
    kind: RESOURCES.image.kind,
    metadata: { name: target.name, namespace: target.namespace, ...(labels ? { labels } : {}) },
    spec: image.spec,
  });
  await ctx.client.remove(RESOURCES.image, old.name, old.namespace);
  ctx.io.out(`image ${full} renamed to ${target.namespace}/${target.name}\n`);
}
