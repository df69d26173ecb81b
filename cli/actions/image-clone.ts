// `walt image clone <ref> [name]`: WalT's clone of a clonable image (here any OCI reference, such
// as the one `walt image publish` prints) into the namespace. With --to the image is copied into a
// registry the user names first (their own copy, kept if the source goes away); without, the
// WaltImage points at the source itself.
import { copyImage } from '../../client/images/registry-copy.js';
import { checkAuthoringName, pushRefText, sourceRefText } from '../../client/images/names.js';
import { imageNameFromRef } from '../../client/image-ref.js';
import { ERR_CLI_USAGE } from '../../client/errors.js';
import type { CliContext } from '../context.js';
import {
  progressOf,
  recordResult,
  withAccess,
  type AccessOptions,
  type RecordOptions,
} from './image-authoring.js';

export interface ImageCloneOptions extends AccessOptions, RecordOptions {
  to?: string;
  /** The destination is plain HTTP (--insecure is the source's). */
  toInsecure?: boolean;
}

export async function imageClone(
  ctx: CliContext,
  link: string,
  given: string | undefined,
  options: ImageCloneOptions,
): Promise<void> {
  const from = sourceRefText(link);
  const name = given ?? imageNameFromRef(from);
  if (name === undefined) throw ERR_CLI_USAGE(`cannot make an image name from ${from}: give one`);
  checkAuthoringName(name);
  await withAccess(ctx, options, undefined, async (access, auth) => {
    if (!options.to) {
      ctx.io.err(`cloning ${from}\n`);
      const pullSecret = auth.secretName;
      await recordResult(
        ctx,
        { name, ref: from, insecure: access.insecure ?? false, ...(pullSecret ? { pullSecret } : {}) },
        options,
      );
      return;
    }
    const to = pushRefText(options.to);
    ctx.io.err(`cloning ${from} into ${to}\n`);
    const destination = {
      ref: to,
      insecure: options.toInsecure ?? false,
      ...(access.authfile ? { authfile: access.authfile } : {}),
    };
    const digest = await copyImage({ ref: from, ...access }, destination, progressOf(ctx));
    const pullSecret = auth.secretName;
    await recordResult(
      ctx,
      { name, ref: to, digest, insecure: destination.insecure, ...(pullSecret ? { pullSecret } : {}) },
      options,
    );
  });
}
