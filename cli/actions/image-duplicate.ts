// `walt image duplicate <image> <new-name>` (WalT: a second tag on the same image) and
// `walt image tag <image> <registry/repo:tag>` (the same image under any reference, docker tag +
// push): a registry copy that keeps the digest, recorded as a WaltImage.
import { copyImage } from '../../client/images/registry-copy.js';
import { checkAuthoringName, retag, pushRefText } from '../../client/images/names.js';
import { imageNameFromRef } from '../../client/image-ref.js';
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

export interface ImageTagOptions extends AccessOptions, RecordOptions {
  name?: string;
  toInsecure?: boolean;
}

async function copyAndRecord(
  ctx: CliContext,
  arg: string,
  target: (sourceRef: string) => { name: string; ref: string; insecure?: boolean },
  options: AccessOptions & RecordOptions,
): Promise<void> {
  const source = await sourceImage(ctx, arg);
  const to = target(source.ref);
  await withAccess(ctx, options, source, async (access, auth) => {
    const insecure = to.insecure ?? access.insecure ?? false;
    const destination = { ref: to.ref, insecure, ...(access.authfile ? { authfile: access.authfile } : {}) };
    const digest = await copyImage({ ref: source.ref, ...access }, destination, progressOf(ctx));
    const pullSecret = auth.secretName ?? source.pullSecret;
    await recordResult(
      ctx,
      { name: to.name, ref: to.ref, digest, insecure, ...(pullSecret ? { pullSecret } : {}) },
      options,
    );
  });
}

export function imageDuplicate(
  ctx: CliContext,
  arg: string,
  name: string,
  options: AccessOptions & RecordOptions,
): Promise<void> {
  checkAuthoringName(name);
  return copyAndRecord(ctx, arg, (ref) => ({ name, ref: retag(ref, name) }), options);
}

export function imageTag(ctx: CliContext, arg: string, ref: string, options: ImageTagOptions): Promise<void> {
  const to = pushRefText(ref);
  const name = options.name ?? imageNameFromRef(to);
  if (name === undefined) throw ERR_CLI_USAGE(`cannot make an image name from ${to}: give one with --name`);
  checkAuthoringName(name);
  return copyAndRecord(
    ctx,
    arg,
    () => ({ name, ref: to, ...(options.toInsecure !== undefined ? { insecure: options.toInsecure } : {}) }),
    options,
  );
}
