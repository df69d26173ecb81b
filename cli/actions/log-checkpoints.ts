// `walt log add-checkpoint|list-checkpoints|remove-checkpoint`: WalT's named points in time, to use
// as --history bounds. They belong to the current namespace (WalT: to the user), and are written to
// the agent of every segment so that ranges mean the same on each.
import { ERR_CLI_BAD_CHECKPOINT, ERR_CLI_BAD_DATE } from '../../client/errors.js';
import type { ApiCheckpoint } from '../../api/agent/v1.js';
import { createLogsApi } from '../../client/logs.js';
import type { CliContext } from '../context.js';
import { parsePointInTime } from '../log-dates.js';
import { CHECKPOINT_NAME } from '../log-history.js';
import { parseOutputFormat, renderColumns, renderData } from '../output.js';

export interface AddCheckpointOptions {
  date?: string;
}

export async function addCheckpoint(
  ctx: CliContext,
  name: string,
  options: AddCheckpointOptions,
): Promise<void> {
  if (!CHECKPOINT_NAME.test(name) || name.length > 64) throw ERR_CLI_BAD_CHECKPOINT(name);
  const at = options.date === undefined ? ctx.now() : parsePointInTime(options.date, ctx.now());
  if (!at) throw ERR_CLI_BAD_DATE(options.date!);
  await createLogsApi(ctx.agents, () => ctx.now()).addCheckpoint({
    name,
    ts: at.toISOString(),
    owner: ctx.namespace,
  });
  ctx.io.out(`checkpoint ${name} added at ${at.toISOString()}\n`);
}

export async function listCheckpoints(ctx: CliContext, options: { output?: string }): Promise<void> {
  const format = parseOutputFormat(options.output);
  const checkpoints: ApiCheckpoint[] = await createLogsApi(ctx.agents, () => ctx.now()).listCheckpoints(
    ctx.namespace,
  );
  if (format === 'json' || format === 'yaml') {
    ctx.io.out(renderData(checkpoints, format));
  } else if (format === 'name') {
    ctx.io.out(checkpoints.map((c) => `${c.name}\n`).join(''));
  } else if (checkpoints.length === 0) {
    ctx.io.err(`No checkpoints of namespace ${ctx.namespace} (walt log add-checkpoint <name> adds one).\n`);
  } else {
    ctx.io.out(renderColumns([['NAME', 'TIMESTAMP'], ...checkpoints.map((c) => [c.name, c.ts ?? ''])]));
  }
}

export async function removeCheckpoint(ctx: CliContext, name: string): Promise<void> {
  await createLogsApi(ctx.agents, () => ctx.now()).removeCheckpoint(name, ctx.namespace);
  ctx.io.out(`checkpoint ${name} removed\n`);
}
