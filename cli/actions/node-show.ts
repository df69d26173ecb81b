// `walt node show`: like WalT, your nodes and the free ones by default; --all adds the nodes of
// other namespaces.
import type { CliContext } from '../context.js';
import { isFree, isMine } from '../../client/node-sets.js';
import { parseOutputFormat, renderObjects } from '../output.js';
import { NODE_COLUMNS } from '../views.js';
import { listNodes } from './nodes.js';

export interface NodeShowOptions {
  all?: boolean;
  output?: string;
}

export async function nodeShow(ctx: CliContext, options: NodeShowOptions): Promise<void> {
  const format = parseOutputFormat(options.output);
  const nodes = await listNodes(ctx);
  const shown = options.all ? nodes : nodes.filter((n) => isMine(n, ctx.owner) || isFree(n, ctx.owner));
  const text = renderObjects(shown, format, NODE_COLUMNS);
  if (text) ctx.io.out(text);
  else if (format === 'table' || format === 'wide') {
    ctx.io.err(
      options.all
        ? 'No nodes.\n'
        : `No node of namespace ${ctx.namespace} and no free node (walt node show --all lists every node).\n`,
    );
  }
}
