// `walt image build <name> --from <dir> --ref <registry/repo:tag>`: builds with buildah on this
// machine (steps shown as they run), pushes to the reference and records the WaltImage <name>.
// `--base <image>` passes an image of the namespace (its reference) as the build argument WALT_BASE,
// as WalT rewrites `FROM <name>` to the user's image.
import { buildImage } from '../../client/images/build.js';
import { checkAuthoringName, pushRefText, readableRef } from '../../client/images/names.js';
import type { CliContext } from '../context.js';
import {
  progressOf,
  recordResult,
  sourceImage,
  withAccess,
  type AccessOptions,
  type RecordOptions,
} from './image-authoring.js';

export interface ImageBuildOptions extends AccessOptions, RecordOptions {
  from: string;
  file?: string;
  ref: string;
  base?: string;
}

export async function imageBuild(ctx: CliContext, name: string, options: ImageBuildOptions): Promise<void> {
  checkAuthoringName(name);
  const ref = pushRefText(options.ref);
  const base = options.base ? await sourceImage(ctx, options.base) : undefined;
  const insecure = (options.insecure ?? false) || (base?.insecure ?? false);
  ctx.io.err(`building ${name} from ${options.from}\n`);
  await withAccess(ctx, { ...options, insecure }, base, async (access, auth) => {
    const { digest } = await buildImage({
      dir: options.from,
      ...(options.file ? { file: options.file } : {}),
      ref,
      ...access,
      ...(base ? { buildArgs: { WALT_BASE: readableRef(base.ref) } } : {}),
      progress: progressOf(ctx),
    });
    await recordResult(
      ctx,
      { name, ref, digest, insecure, ...(auth.secretName ? { pullSecret: auth.secretName } : {}) },
      options,
    );
  });
}
