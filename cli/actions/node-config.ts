// `walt node config <node-set> [key=value …]`: without settings, show them (grouped as WalT does);
// with, set them on every node of the set (one merge patch per node).
import { RESOURCES } from '../../api/v1alpha1/index.js';
import type { CliContext } from '../context.js';
import { configOf, parseAssignments, renderConfig, settingsPatch } from '../node-config.js';
import { checkOwnership } from '../../client/node-sets.js';
import { parseOutputFormat, renderData } from '../output.js';
import { selectNodes } from './nodes.js';

export interface NodeConfigOptions {
  force?: boolean;
  output?: string;
}

/** Settings a running node reads only when it boots. */
const AT_NEXT_BOOT = new Set(['netsetup', 'mount.persist', 'kexec.allow']);

export async function nodeConfig(
  ctx: CliContext,
  args: { set: string; settings: readonly string[] },
  options: NodeConfigOptions,
): Promise<void> {
  const format = parseOutputFormat(options.output);
  const assignments = parseAssignments(args.settings);
  const nodes = await selectNodes(ctx, args.set);
  if (assignments.length === 0) {
    const byNode = Object.fromEntries(nodes.map((n) => [n.metadata.name, configOf(n)]));
    ctx.io.out(format === 'json' || format === 'yaml' ? renderData(byNode, format) : renderConfig(nodes));
    return;
  }
  checkOwnership(nodes, ctx.owner, options.force === true);
  const patch = settingsPatch(assignments, nodes);
  for (const node of nodes) {
    await ctx.client.mergePatch(RESOURCES.node, { name: node.metadata.name }, patch);
    ctx.io.out(`${node.metadata.name}: ${assignments.map((a) => `${a.setting.key}=${a.raw}`).join(' ')}\n`);
  }
  const later = assignments.filter((a) => AT_NEXT_BOOT.has(a.setting.key)).map((a) => a.setting.key);
  if (later.length > 0) {
    ctx.io.err(
      `note: nodes read ${later.join(', ')} when they boot: reboot them to apply (walt node reboot ${args.set})\n`,
    );
  }
}
