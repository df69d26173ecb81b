// `walt image show`: the WaltImages of the namespace (WalT's working set).
import { RESOURCES, type WaltImage } from '../../api/v1alpha1/index.js';
import type { CliContext } from '../context.js';
import { parseOutputFormat, renderObjects } from '../output.js';
import { IMAGE_COLUMNS } from '../views.js';

export interface ImageShowOptions {
  output?: string;
}

export async function imageShow(ctx: CliContext, options: ImageShowOptions): Promise<void> {
  const format = parseOutputFormat(options.output);
  const images = (await ctx.client.list<WaltImage>(RESOURCES.image, { namespace: ctx.namespace })).items;
  const text = renderObjects(images, format, IMAGE_COLUMNS);
  if (text) ctx.io.out(text);
  else if (format === 'table' || format === 'wide') {
    ctx.io.err(`No images in namespace ${ctx.namespace} (walt image pull <ref> adds one).\n`);
  }
}
