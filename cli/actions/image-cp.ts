// `walt image cp <local> <image>:<path>` and `walt image cp <image>:<path> <local-dir>`: files into an
// image (a buildah copy, committed and pushed over the image's tag, or as a new image --as) or out of
// it (the image's tar, run inside its container, so that its symlinks resolve in the image).
import { stat } from 'node:fs/promises';
import { commitAndPush, copyInto, copyOut, withContainer } from '../../client/images/containers.js';
import { checkAuthoringName, inPlaceRefs, parseCpOperand, retag } from '../../client/images/names.js';
import { ERR_CLI_USAGE } from '../../client/errors.js';
import type { CliContext } from '../context.js';
import {
  progressOf,
  recordResult,
  sourceImage,
  withAccess,
  type AccessOptions,
  type RecordOptions,
} from './image-authoring.js';

export interface ImageCpOptions extends AccessOptions, RecordOptions {
  as?: string;
}

async function copyIntoImage(
  ctx: CliContext,
  local: string,
  target: { image: string; path: string },
  options: ImageCpOptions,
): Promise<void> {
  const image = await sourceImage(ctx, target.image);
  const name = options.as ?? image.name;
  const ref = options.as ? retag(image.ref, options.as) : inPlaceRefs(image.ref).push;
  await withAccess(ctx, options, image, (access, auth) =>
    withContainer(image.ref, access, progressOf(ctx), async (container) => {
      await copyInto(container, local, target.path);
      const digest = await commitAndPush(container, ref, access, { progress: progressOf(ctx) });
      const pullSecret = auth.secretName ?? image.pullSecret;
      const insecure = access.insecure ?? false;
      await recordResult(
        ctx,
        {
          name,
          ref,
          digest,
          insecure,
          ...(pullSecret ? { pullSecret } : {}),
        },
        // In place, the image itself is what the user asked to change.
        { force: (options.force ?? false) || options.as === undefined },
      );
    }),
  );
}

async function copyOutOfImage(
  ctx: CliContext,
  from: { image: string; path: string },
  localDir: string,
  options: ImageCpOptions,
): Promise<void> {
  if (!(await stat(localDir).catch(() => undefined))?.isDirectory())
    throw ERR_CLI_USAGE(`${localDir} is not a directory: copy out of an image into an existing directory`);
  const image = await sourceImage(ctx, from.image);
  await withAccess(ctx, options, image, (access) =>
    withContainer(image.ref, access, progressOf(ctx), (container) => copyOut(container, from.path, localDir)),
  );
  ctx.io.out(`copied ${image.namespace}/${image.name}:${from.path} into ${localDir}\n`);
}

export async function imageCp(
  ctx: CliContext,
  from: string,
  to: string,
  options: ImageCpOptions,
): Promise<void> {
  if (options.as !== undefined) checkAuthoringName(options.as);
  const source = parseCpOperand(from);
  const dest = parseCpOperand(to);
  if (source.kind === 'local' && dest.kind === 'image') return copyIntoImage(ctx, source.path, dest, options);
  if (source.kind === 'image' && dest.kind === 'local')
    return copyOutOfImage(ctx, source, dest.path, options);
  throw ERR_CLI_USAGE(
    'walt image cp copies between this machine and an image: one operand is <image>:<path>',
  );
}
