// What the authoring commands (walt image build|shell|clone|publish|tag|cp|squash|duplicate) share:
// the source WaltImage an argument names, registry access (plain HTTP, credentials from --secret or
// --authfile, else the source image's pull secret), progress lines on stderr, and the WaltImage
// that records each result.
import { RESOURCES, type WaltImage } from '../../api/v1alpha1/index.js';
import { ERR_CLI_IMAGE_NOT_FOUND, ERR_CLI_USAGE } from '../../client/errors.js';
import { parseImageArg } from '../../client/image-ref.js';
import { withAuthfile, type Authfile } from '../../client/images/credentials.js';
import { inPlaceRefs } from '../../client/images/names.js';
import { recordImage, sourceOf, type ImageSource } from '../../client/images/records.js';
import type { RegistryAccess } from '../../client/images/containers.js';
import type { CliContext } from '../context.js';

export interface AccessOptions {
  insecure?: boolean;
  secret?: string;
  authfile?: string;
}

export interface RecordOptions {
  force?: boolean;
}

/** The WaltImage an argument names ("name" or "namespace/name"). */
export async function sourceImage(ctx: CliContext, arg: string): Promise<ImageSource> {
  const choice = parseImageArg(arg, ctx.namespace);
  if (choice.kind === 'default')
    throw ERR_CLI_USAGE('name the default image of a model, e.g. walt-system/pc-x86-64-default');
  const image = await ctx.client.get<WaltImage>(RESOURCES.image, choice.name, choice.namespace);
  if (!image) throw ERR_CLI_IMAGE_NOT_FOUND(`${choice.namespace}/${choice.name}`);
  return sourceOf(image);
}

/** Progress lines of the tools, indented on stderr (stdout keeps the result). */
export function progressOf(ctx: CliContext): (line: string) => void {
  return (line) => ctx.io.err(`  ${line}\n`);
}

/**
 * Runs `work` with the registry access of the options: their credentials, else those of the source
 * image's pull secret (it is in the same namespace).
 */
export function withAccess<T>(
  ctx: CliContext,
  options: AccessOptions,
  source: ImageSource | undefined,
  work: (access: RegistryAccess, auth: Authfile) => Promise<T>,
): Promise<T> {
  const credentials =
    options.secret || options.authfile
      ? {
          ...(options.secret ? { secret: options.secret } : {}),
          ...(options.authfile ? { authfile: options.authfile } : {}),
        }
      : source?.pullSecret
        ? { secret: source.pullSecret }
        : {};
  const namespace = source?.namespace ?? ctx.namespace;
  return withAuthfile(credentials, ctx.secrets, namespace, (auth) =>
    work(
      {
        insecure: (options.insecure ?? false) || (source?.insecure ?? false),
        ...(auth.path ? { authfile: auth.path } : {}),
      },
      auth,
    ),
  );
}

/**
 * Records a result as a WaltImage and prints what was made. A pushed result is pinned to its digest
 * (`<repo>:<tag>@<digest>`): the image is exactly what was made, a later push to the same tag does not
 * change it behind its back, and saving again under the same name changes its spec (so the operator
 * resolves it again) and needs --force, as WalT asks before overwriting.
 */
export async function recordResult(
  ctx: CliContext,
  result: { name: string; ref: string; digest?: string; insecure?: boolean; pullSecret?: string },
  options: RecordOptions,
): Promise<void> {
  const ref = result.digest ? inPlaceRefs(result.ref).pin(result.digest) : result.ref;
  const outcome = await recordImage(ctx.client, {
    name: result.name,
    namespace: ctx.namespace,
    ref,
    ...(result.insecure ? { insecure: true } : {}),
    ...(result.pullSecret ? { pullSecret: result.pullSecret } : {}),
    ...(options.force ? { force: true } : {}),
  });
  ctx.io.out(`image ${ctx.namespace}/${result.name} ${outcome}: ${ref}\n`);
}
