// `walt image shell <image>`: an interactive shell in a buildah container of the image (hostname
// image-shell, as in WalT). On exit the changes become a new image: WalT asks for its name (`--as`
// gives it to scripts; an empty answer discards the changes), committed, pushed under that tag of the
// same repository (or to --ref) and recorded as a WaltImage.
import { createInterface } from 'node:readline/promises';
import { commitAndPush, runShell, withContainer } from '../../client/images/containers.js';
import { ERR_CLI_USAGE } from '../../client/errors.js';
import { checkAuthoringName, parsePushRef, retag, pushRefText } from '../../client/images/names.js';
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

async function askName(): Promise<string | undefined> {
  if (!process.stdin.isTTY)
    throw ERR_CLI_USAGE('no terminal to ask the new image name on: give it with --as <name>');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = (await rl.question('Name of the new image (empty: discard the changes): ')).trim();
    return answer === '' ? undefined : answer;
  } finally {
    rl.close();
  }
}

export async function imageShell(ctx: CliContext, arg: string, options: ImageShellOptions): Promise<void> {
  if (options.as !== undefined) checkAuthoringName(options.as);
  if (options.ref !== undefined) parsePushRef(options.ref);
  const source = await sourceImage(ctx, arg);
  await withAccess(ctx, options, source, (access, auth) =>
    withContainer(source.ref, access, progressOf(ctx), async (container) => {
      ctx.io.err(`shell in image ${source.namespace}/${source.name}: exit it to save the changes\n`);
      const status = await runShell(container);
      ctx.io.err(`shell ended (exit status ${status})\n`);
      const name = options.as ?? (await askName());
      if (name === undefined) {
        ctx.io.err('changes discarded\n');
        return;
      }
      checkAuthoringName(name);
      const ref = options.ref ? pushRefText(options.ref) : retag(source.ref, name);
      const digest = await commitAndPush(container, ref, access, { progress: progressOf(ctx) });
      const pullSecret = auth.secretName ?? source.pullSecret;
      await recordResult(
        ctx,
        { name, ref, digest, insecure: access.insecure ?? false, ...(pullSecret ? { pullSecret } : {}) },
        options,
      );
    }),
  );
}
