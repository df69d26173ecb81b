// `walt device tree`: the L2 topology of each segment, from its agent's last scan (WaltSegment
// status.topology, agents/topology), drawn by cli/topology-tree.ts.
import { RESOURCES, type WaltSegment } from '../../api/v1alpha1/index.js';
import type { CliContext } from '../context.js';
import { drawTopology } from '../topology-tree.js';

export interface DeviceTreeOptions {
  all?: boolean;
}

export async function deviceTree(ctx: CliContext, options: DeviceTreeOptions): Promise<void> {
  const segments = (await ctx.client.list<WaltSegment>(RESOURCES.segment)).items;
  const scanned = segments.filter((s) => s.status?.topology);
  if (scanned.length === 0) {
    ctx.io.err(
      'No topology yet: list the switches of a segment in its spec.topology.switches; its agent scans them.\n',
    );
    return;
  }
  const blocks = scanned.map((s) =>
    drawTopology(s.metadata?.name ?? '', s.status?.topology ?? { scannedAt: '', switches: [] }, {
      all: options.all === true,
    }).join('\n'),
  );
  ctx.io.out(`${blocks.join('\n\n')}\n`);
}
