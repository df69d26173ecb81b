// `walt image squash <image>`: the image's layers made one (buildah commit --squash; WalT refuses a
// shell on images of 128 layers or more), pushed over the image's own tag, or as a new image --as.
import { commitAndPush, withContainer } from '../../client/images/containers.js';
import { checkAuthoringName, inPlaceRefs, retag } from '../../client/images/names.js';
import type { CliContext } from '../context.js';
import {
  progressOf,
  recordResult,
  sourceImage,
  withAccess,
  type AccessOptions,
  type RecordOptions,
} from './image-authoring.js';

export interface ImageSquashOptions extends AccessOptions, RecordOptions {
  as?: string;
}

export async function imageSquash(ctx: CliContext, arg: string, options: ImageSquashOptions): Promise<void> {
  if (options.as !== undefined) checkAuthoringName(options.as);
  const source = await sourceImage(ctx, arg);
  const name = options.as ?? source.name;
  const ref = options.as ? retag(source.ref, options.as) : inPlaceRefs(source.ref).push;
  await withAccess(ctx, options, source, (access, auth) =>
    withContainer(source.ref, access, progressOf(ctx), async (container) => {
      const digest = await commitAndPush(container, ref, access, { squash: true, progress: progressOf(ctx) });
      const pullSecret = auth.secretName ?? source.pullSecret;
      await recordResult(
        ctx,
        {
          name,
          ref,
          digest,
          insecure: access.insecure ?? false,
          ...(pullSecret ? { pullSecret } : {}),
        },
        // In place, the image itself is what the user asked to change.
        { force: (options.force ?? false) || options.as === undefined },
      );
    }),
  );
}
