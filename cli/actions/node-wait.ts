// `walt node wait <node-set> [--timeout 10m]`: until every node is Ready (WalT: has notified its
// bootup). A node whose requested reboot is not carried out yet is not counted as booted, even if it
// still shows Ready from before, so `walt node reboot vn1 && walt node wait vn1` waits for the reboot.
import { ERR_CLI_TIMEOUT, ERR_CLI_UNKNOWN_NODES } from '../../client/errors.js';
import { isBooted, rebootPending } from '../../api/node/index.js';
import { RESOURCES, type WaltNode } from '../../api/v1alpha1/index.js';
import type { CliContext } from '../context.js';
import { formatDuration, parseTimeout } from '../timeout.js';
import { watchUntil } from '../../client/watch.js';
import { selectNodes } from './nodes.js';

export const DEFAULT_WAIT_TIMEOUT = '10m';

export interface NodeWaitOptions {
  timeout?: string;
}

/** "vn1 (Booting), vn2 (no status yet)". */
function describeWaiting(names: readonly string[], objects: ReadonlyMap<string, WaltNode>): string {
  return names
    .filter((name) => !isBooted(objects.get(name)!))
    .map((name) => {
      const node = objects.get(name)!;
      const phase = node.status?.phase ?? 'no status yet';
      return `${name} (${rebootPending(node) ? 'reboot requested' : phase})`;
    })
    .join(', ');
}

export async function nodeWait(ctx: CliContext, set: string, options: NodeWaitOptions): Promise<void> {
  const timeoutMs = parseTimeout(options.timeout ?? DEFAULT_WAIT_TIMEOUT);
  const names = (await selectNodes(ctx, set)).map((n) => n.metadata.name);
  const ready = await watchUntil<WaltNode, WaltNode[]>({
    path: ctx.client.collectionPath(RESOURCES.node),
    list: () => ctx.client.list<WaltNode>(RESOURCES.node),
    check: (objects) => {
      const gone = names.filter((name) => !objects.has(name));
      if (gone.length > 0) throw ERR_CLI_UNKNOWN_NODES(gone);
      const nodes = names.map((name) => objects.get(name)!);
      return nodes.every(isBooted) ? nodes : undefined;
    },
    timeoutMs,
    onTimeout: (objects) =>
      ERR_CLI_TIMEOUT(
        `waiting for ${describeWaiting(names, objects)} to be Ready`,
        formatDuration(timeoutMs),
      ),
    watch: ctx.watch,
  });
  for (const node of ready) {
    ctx.io.out(`${node.metadata.name}: Ready${node.status?.ip ? ` (${node.status.ip})` : ''}\n`);
  }
}
