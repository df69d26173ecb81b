// `walt node wait <node-set> [--timeout 10m]`: until every node is Ready (WalT: has notified its
// bootup) on the image its spec asks for. A node whose requested reboot is not carried out yet is not
// counted as booted, even if it still shows Ready from before, so `walt node reboot vn1 && walt node
// wait vn1` waits for the reboot; nor is a node still Ready on its previous image, so `walt node boot
// pi1 img && walt node wait pi1` waits for a node nothing power-cycles (driver "none") to be rebooted
// by hand — the rule of the client library's nodes.wait (client/nodes.ts runsWantedImage).
import { ERR_CLI_TIMEOUT, ERR_CLI_UNKNOWN_NODES } from '../../client/errors.js';
import { rebootPending } from '../../api/node/index.js';
import { runsWantedImage } from '../../client/nodes.js';
import { RESOURCES, type WaltNode } from '../../api/v1alpha1/index.js';
import type { CliContext } from '../context.js';
import { formatDuration, parseTimeout } from '../timeout.js';
import { watchUntil } from '../../client/watch.js';
import { selectNodes } from './nodes.js';

export const DEFAULT_WAIT_TIMEOUT = '10m';

export interface NodeWaitOptions {
  timeout?: string;
}

/** Why `node` does not count as booted yet: "Booting", "reboot requested", "still on ns/img"… */
function waitingFor(node: WaltNode): string {
  if (rebootPending(node)) return 'reboot requested';
  const phase = node.status?.phase;
  if (phase !== 'Ready') return phase ?? 'no status yet';
  return `still on ${node.status?.bootedImage?.name ?? 'another image'}`;
}

/** "vn1 (Booting), vn2 (no status yet), pi1 (still on ns/old)". */
function describeWaiting(
  names: readonly string[],
  objects: ReadonlyMap<string, WaltNode>,
  booted: (node: WaltNode) => boolean,
): string {
  return names
    .filter((name) => !booted(objects.get(name)!))
    .map((name) => `${name} (${waitingFor(objects.get(name)!)})`)
    .join(', ');
}

export async function nodeWait(ctx: CliContext, set: string, options: NodeWaitOptions): Promise<void> {
  const timeoutMs = parseTimeout(options.timeout ?? DEFAULT_WAIT_TIMEOUT);
  const names = (await selectNodes(ctx, set)).map((n) => n.metadata.name);
  const booted = (node: WaltNode): boolean => runsWantedImage(node, ctx.owner);
  const ready = await watchUntil<WaltNode, WaltNode[]>({
    path: ctx.client.collectionPath(RESOURCES.node),
    list: () => ctx.client.list<WaltNode>(RESOURCES.node),
    check: (objects) => {
      const gone = names.filter((name) => !objects.has(name));
      if (gone.length > 0) throw ERR_CLI_UNKNOWN_NODES(gone);
      const nodes = names.map((name) => objects.get(name)!);
      return nodes.every(booted) ? nodes : undefined;
    },
    timeoutMs,
    onTimeout: (objects) =>
      ERR_CLI_TIMEOUT(
        `waiting for ${describeWaiting(names, objects, booted)} to be Ready`,
        formatDuration(timeoutMs),
      ),
    watch: ctx.watch,
  });
  for (const node of ready) {
    ctx.io.out(`${node.metadata.name}: Ready${node.status?.ip ? ` (${node.status.ip})` : ''}\n`);
  }
}
