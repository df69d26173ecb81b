// `walt node save <node> <image-name> --ref <registry/repo:tag>`: the node's changes since it booted
// (its RAM overlay) become a new layer on top of its image, pushed to the registry named, without
// stopping the node; then the WaltImage <image-name> of the current namespace points at it (ADR 0021).
// Registry credentials come from the environment (WALT_REGISTRY_USERNAME, WALT_REGISTRY_PASSWORD),
// never from the command line where other users of the machine could read them.
import { ERR_CLI_BAD_IMAGE_NAME, ERR_CLI_UNKNOWN_NODES, ERR_CLI_USAGE } from '../../client/errors.js';
import { isImageName } from '../../client/image-ref.js';
import { saveNodeImage } from '../../client/node-save.js';
import type { CliContext } from '../context.js';
import { formatSize } from '../output.js';
import { listNodes } from './nodes.js';

export interface NodeSaveOptions {
  ref?: string;
  insecure?: boolean;
}

function authFromEnv(env: NodeJS.ProcessEnv): { username: string; password: string } | undefined {
  const username = env.WALT_REGISTRY_USERNAME;
  const password = env.WALT_REGISTRY_PASSWORD;
  if (username === undefined && password === undefined) return undefined;
  if (!username || !password)
    throw ERR_CLI_USAGE('set both WALT_REGISTRY_USERNAME and WALT_REGISTRY_PASSWORD, or neither');
  return { username, password };
}

/** "12 KiB (12345 bytes)": readable, and exact for the notes that compare sizes. */
const size = (bytes: number): string => `${formatSize(bytes) ?? '?'} (${bytes} bytes)`;

export async function nodeSave(
  ctx: CliContext,
  args: { node: string; image: string },
  options: NodeSaveOptions,
): Promise<void> {
  if (!isImageName(args.image)) throw ERR_CLI_BAD_IMAGE_NAME(args.image);
  if (!options.ref)
    throw ERR_CLI_USAGE('give where to push the saved image: --ref <registry>/<repository>:<tag>');
  const node = (await listNodes(ctx)).find((n) => n.metadata.name === args.node);
  if (!node) throw ERR_CLI_UNKNOWN_NODES([args.node]);
  const agent = await ctx.agents.forSegment(node.spec.segment);
  const auth = authFromEnv(process.env);
  const started = ctx.now().getTime();
  ctx.io.err(`${args.node}: saving its changes (RAM overlay) and pushing ${options.ref} ...\n`);
  const saved = await saveNodeImage(ctx.client, agent, {
    node: args.node,
    image: { namespace: ctx.namespace, name: args.image },
    ref: options.ref,
    ...(options.insecure ? { insecure: true } : {}),
    ...(auth ? { auth } : {}),
  });
  const seconds = ((ctx.now().getTime() - started) / 1000).toFixed(1);
  ctx.io.out(
    `${args.node}: saved in ${seconds} s: changes ${size(saved.changeBytes)}, layer ${size(saved.layerBytes)} gzipped\n` +
      `pushed ${saved.ref} (${saved.digest})\n` +
      `image ${ctx.namespace}/${args.image}: ${saved.created ? 'created' : 'updated'} (${saved.imageRef})\n`,
  );
}
