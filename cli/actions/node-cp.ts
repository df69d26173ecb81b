// `walt node cp <src> <dst>`: files between this machine and a node, as a tar through the agent of the
// node's segment; the local side is the system's tar. Like cp, a destination that is a directory
// receives the source under its own name.
import { ERR_CLI_BAD_COPY, ERR_CLI_UNKNOWN_NODES } from '../../client/errors.js';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { planCopy } from '../../client/copy-plan.js';
import { packLocal, unpackLocal } from '../../client/local-tar.js';
import type { CliContext } from '../context.js';
import { parseCopyArgs } from '../node-cp-args.js';
import { listNodes } from './nodes.js';

async function localKind(p: string): Promise<'dir' | 'other' | 'missing'> {
  return stat(p).then(
    (s) => (s.isDirectory() ? 'dir' : 'other'),
    () => 'missing' as const,
  );
}

export async function nodeCp(ctx: CliContext, source: string, destination: string): Promise<void> {
  const copy = parseCopyArgs(source, destination);
  const node = (await listNodes(ctx)).find((n) => n.metadata.name === copy.node);
  if (!node) throw ERR_CLI_UNKNOWN_NODES([copy.node]);
  const agent = await ctx.agents.forSegment(node.spec.segment);
  const local = path.resolve(copy.localPath);
  if (copy.direction === 'toNode') {
    if ((await localKind(local)) === 'missing') throw ERR_CLI_BAD_COPY(`${copy.localPath} does not exist`);
    const probe = await agent.exec(copy.node, { command: ['test', '-d', copy.nodePath] });
    const plan = planCopy(local, copy.nodePath, probe.exitCode === 0);
    const { bytes } = await agent.putFiles(copy.node, plan.dir, await packLocal(local, plan.name));
    ctx.io.out(
      `${copy.localPath} -> ${copy.node}:${path.posix.join(plan.dir, plan.name)} (${bytes} bytes)\n`,
    );
    return;
  }
  const kind = await localKind(local);
  const plan = planCopy(copy.nodePath, local, kind === 'dir');
  if ((await localKind(plan.dir)) !== 'dir') throw ERR_CLI_BAD_COPY(`${plan.dir} is not a directory`);
  const tar = await agent.getFiles(copy.node, copy.nodePath);
  await unpackLocal(tar, plan.dir, plan.entry, plan.name);
  ctx.io.out(
    `${copy.node}:${copy.nodePath} -> ${path.join(plan.dir, plan.name)} (${tar.length} bytes of tar)\n`,
  );
}
