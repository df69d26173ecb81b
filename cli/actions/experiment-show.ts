// `walt experiment show`: the Experiments of the namespace (name, phase, nodes, step, age).
import { RESOURCES, type Experiment } from '../../api/v1alpha1/index.js';
import type { CliContext } from '../context.js';
import { experimentColumns } from '../experiment-view.js';
import { parseOutputFormat, renderObjects } from '../output.js';

export interface ExperimentShowOptions {
  output?: string;
}

export async function experimentShow(ctx: CliContext, options: ExperimentShowOptions): Promise<void> {
  const format = parseOutputFormat(options.output);
  const experiments = (await ctx.client.list<Experiment>(RESOURCES.experiment, { namespace: ctx.namespace }))
    .items;
  const text = renderObjects(experiments, format, experimentColumns(ctx.now()));
  if (text) ctx.io.out(text);
  else if (format === 'table' || format === 'wide') {
    ctx.io.err(
      `No experiments in namespace ${ctx.namespace} (walt experiment run <file.yaml> starts one).\n`,
    );
  }
}
