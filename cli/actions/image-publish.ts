// `walt image publish <image> --to <registry/repo:tag>`: shares an image through a registry the user
// names. WalT's conventions are checked first, on the very bytes that will be pushed (copied once
// into a local layout): the label walt.node.models and /boot/<model>/ for each model; a missing one
// refuses the publish with WALT_ERR_IMAGE_CONVENTIONS naming it. Prints the reference to clone.
import { missingConventions, applyLayers } from '../../client/images/conventions.js';
import { ERR_IMAGE_CONVENTIONS } from '../../client/images/errors.js';
import { pushRefText } from '../../client/images/names.js';
import { copyToLayout } from '../../client/images/registry-copy.js';
import type { CliContext } from '../context.js';
import { progressOf, sourceImage, withAccess, type AccessOptions } from './image-authoring.js';

export interface ImagePublishOptions extends AccessOptions {
  to: string;
  /** The destination is plain HTTP (the source's own setting comes from its WaltImage). */
  toInsecure?: boolean;
}

export async function imagePublish(
  ctx: CliContext,
  arg: string,
  options: ImagePublishOptions,
): Promise<void> {
  const to = pushRefText(options.to);
  const source = await sourceImage(ctx, arg);
  await withAccess(ctx, options, source, async (access) => {
    ctx.io.err(`checking ${source.namespace}/${source.name} (${source.ref})\n`);
    const layout = await copyToLayout({ ref: source.ref, ...access }, progressOf(ctx));
    try {
      const missing = missingConventions(layout.labels, applyLayers(await layout.layers()));
      if (missing.length > 0) throw ERR_IMAGE_CONVENTIONS(`${source.namespace}/${source.name}`, missing);
      const destination = {
        ref: to,
        insecure: options.toInsecure ?? false,
        ...(access.authfile ? { authfile: access.authfile } : {}),
      };
      const digest = await layout.push(destination, progressOf(ctx));
      ctx.io.out(
        `published ${source.namespace}/${source.name} as ${to}@${digest}\nclone it with: walt image clone ${to}\n`,
      );
    } finally {
      await layout.remove();
    }
  });
}
