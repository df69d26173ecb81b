// `walt image shell <image>`: an interactive shell in a buildah container of the image (hostname
// image-shell, as in WalT). On exit the changes become a new image: WalT asks for its name (`--as`
// gives it to scripts; an empty answer discards the changes), committed, pushed under that tag of the
// same repository (or to --ref) and recorded as a WaltImage. An existing name is overwritten only when
// the user says so (asked, or --force with --as), and --as is checked before the session starts.
import { createInterface } from 'node:readline/promises';
import { commitAndPush, runShell, withContainer } from '../../client/images/containers.js';
import { RESOURCES, type WaltImage } from '../../api/v1alpha1/index.js';
import { ERR_CLI_ALREADY_EXISTS, ERR_CLI_USAGE } from '../../client/errors.js';
import {
  checkAuthoringName,
  isAuthoringName,
  parsePushRef,
  pushRefText,
  retag,
} from '../../client/images/names.js';
import type { CliContext } from '../context.js';
import {
  progressOf,
  recordResult,
  sourceImage,
  withAccess,
  type AccessOptions,
  type RecordOptions,
} from './image-authoring.js';

export interface ImageShellOptions extends AccessOptions, RecordOptions {
  as?: string;
  ref?: string;
}

const MAX_ANSWERS = 5;

const imageExists = async (ctx: CliContext, name: string): Promise<boolean> =>
  (await ctx.client.get<WaltImage>(RESOURCES.image, name, ctx.namespace)) !== undefined;

/**
 * WalT's question on exit: the new image's name, asked again when it is not a valid name or names an
 * existing image the user does not want to overwrite. Undefined: discard the changes.
 */
async function askName(ctx: CliContext): Promise<{ name: string; overwrite: boolean } | undefined> {
  if (!process.stdin.isTTY)
    throw ERR_CLI_USAGE('no terminal to ask the new image name on: give it with --as <name>');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    for (let i = 0; i < MAX_ANSWERS; i++) {
      const answer = (await rl.question('Name of the new image (empty: discard the changes): ')).trim();
      if (answer === '') return undefined;
      if (!isAuthoringName(answer)) {
        ctx.io.err(`"${answer}" is not an image name: lower-case letters, digits and "-"\n`);
        continue;
      }
      if (!(await imageExists(ctx, answer))) return { name: answer, overwrite: false };
      const yes = (await rl.question(`Image ${answer} exists: overwrite it? [y/N] `)).trim();
      if (/^y(es)?$/i.test(yes)) return { name: answer, overwrite: true };
    }
    return undefined;
  } finally {
    rl.close();
  }
}

async function saveAs(
  ctx: CliContext,
  options: ImageShellOptions,
): Promise<{ name: string; overwrite: boolean } | undefined> {
  if (options.as !== undefined) return { name: options.as, overwrite: options.force ?? false };
  return askName(ctx);
}

export async function imageShell(ctx: CliContext, arg: string, options: ImageShellOptions): Promise<void> {
  if (options.as !== undefined) checkAuthoringName(options.as);
  if (options.ref !== undefined) parsePushRef(options.ref);
  // Refused before the session, not after the user's work.
  if (options.as !== undefined && !options.force && (await imageExists(ctx, options.as)))
    throw ERR_CLI_ALREADY_EXISTS(`image ${ctx.namespace}/${options.as} (add --force to overwrite it)`);
  const source = await sourceImage(ctx, arg);
  await withAccess(ctx, options, source, (access, auth) =>
    withContainer(source.ref, access, progressOf(ctx), async (container) => {
      ctx.io.err(`shell in image ${source.namespace}/${source.name}: exit it to save the changes\n`);
      const status = await runShell(container);
      ctx.io.err(`shell ended (exit status ${status})\n`);
      const target = await saveAs(ctx, options);
      if (target === undefined) {
        ctx.io.err('changes discarded\n');
        return;
      }
      const { name } = target;
      const ref = options.ref ? pushRefText(options.ref) : retag(source.ref, name);
      const digest = await commitAndPush(container, ref, access, { progress: progressOf(ctx) });
      const pullSecret = auth.secretName ?? source.pullSecret;
      await recordResult(
        ctx,
        { name, ref, digest, insecure: access.insecure ?? false, ...(pullSecret ? { pullSecret } : {}) },
        { force: target.overwrite },
      );
    }),
  );
}
