// `walt device show`: the devices the boot agents discovered on their segments (WaltNodes they created,
// labelled walt.dev/discovered=true), then each segment with its DHCP leases in use.
import { RESOURCES, type WaltSegment } from '../../api/v1alpha1/index.js';
import type { CliContext } from '../context.js';
import { asList, nameOf, parseOutputFormat, renderData, renderTable } from '../output.js';
import { DEVICE_COLUMNS, SEGMENT_COLUMNS } from '../views.js';
import { listNodes } from './nodes.js';

export const DISCOVERED_SELECTOR = 'walt.dev/discovered=true';

export interface DeviceShowOptions {
  output?: string;
}

export async function deviceShow(ctx: CliContext, options: DeviceShowOptions): Promise<void> {
  const format = parseOutputFormat(options.output);
  const devices = await listNodes(ctx, DISCOVERED_SELECTOR);
  const segments = (await ctx.client.list<WaltSegment>(RESOURCES.segment)).items;
  if (format === 'json' || format === 'yaml') {
    ctx.io.out(renderData(asList([...devices, ...segments]), format));
    return;
  }
  if (format === 'name') {
    ctx.io.out([...devices, ...segments].map((o) => `${nameOf(o)}\n`).join(''));
    return;
  }
  const wide = format === 'wide';
  if (devices.length > 0) ctx.io.out(renderTable(devices, DEVICE_COLUMNS, wide));
  else ctx.io.err('No discovered devices (a boot agent adds one when it asks for a network boot).\n');
  if (segments.length === 0) return;
  ctx.io.out(`${devices.length > 0 ? '\n' : ''}${renderTable(segments, SEGMENT_COLUMNS, wide)}`);
}
