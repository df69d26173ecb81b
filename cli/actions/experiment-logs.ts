// `walt experiment logs <name>`: the log lines of an experiment's steps (streams
// experiment.<namespace>.<name>.<step>, any issuer), all of them, or followed with --follow.
import { createLogsApi } from '../../client/logs.js';
import type { CliContext } from '../context.js';
import { experimentStreamRegex } from '../../api/v1alpha1/index.js';
import { DEFAULT_LOG_FORMAT, compileLogFormat } from '../log-format.js';
import { printLines } from './log-show.js';

export interface ExperimentLogsOptions {
  follow?: boolean;
  format?: string;
}

export async function experimentLogs(
  ctx: CliContext,
  name: string,
  options: ExperimentLogsOptions,
): Promise<void> {
  const format = compileLogFormat(options.format ?? DEFAULT_LOG_FORMAT);
  const params = { stream: experimentStreamRegex(ctx.namespace, name) };
  const logs = createLogsApi(ctx.agents, () => ctx.now());
  if (options.follow) await printLines(ctx, logs.follow(params, new AbortController().signal), format);
  else await printLines(ctx, logs.query(params), format);
}
