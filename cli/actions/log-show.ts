// `walt log show`: log lines of the selected issuers from the agents' stores (--history RANGE), then,
// with --realtime, new lines as they arrive until interrupted — WalT's history-then-realtime, which
// the agents' follow route provides in one stream (no line lost or repeated between the two).
import { ERR_CLI_USAGE } from '../../client/errors.js';
import type { ApiLogLine, LogQueryParams } from '../../api/agent/v1.js';
import { createLogsApi } from '../../client/logs.js';
import type { CliContext } from '../context.js';
import { DEFAULT_ISSUERS, filterParams, resolveIssuers, type LogFilterOptions } from '../log-filters.js';
import { DEFAULT_LOG_FORMAT, compileLogFormat } from '../log-format.js';
import { parseHistory, type HistoryRange } from '../log-history.js';
import { listNodes } from './nodes.js';

export interface LogShowOptions extends LogFilterOptions {
  realtime?: boolean;
  history?: string;
  issuers?: string;
  format?: string;
}

/** The filters, or undefined when the issuer set is empty (nothing to show; the user is told). */
export async function selectLogs(
  ctx: CliContext,
  options: LogShowOptions,
): Promise<LogQueryParams | undefined> {
  const set = options.issuers ?? DEFAULT_ISSUERS;
  const issuers = resolveIssuers(set, await listNodes(ctx), ctx.owner);
  const params = filterParams(issuers, options);
  if (issuers.length > 0) return params;
  ctx.io.err(`No issuer in "${set}" (you have no node): choose some with --issuers, e.g. all-nodes.\n`);
  return undefined;
}

/** Prints lines with the format until the stream ends (or forever, for a follow). */
export async function printLines(
  ctx: CliContext,
  lines: AsyncIterable<ApiLogLine> | Iterable<ApiLogLine>,
  format: (line: ApiLogLine) => string,
): Promise<void> {
  for await (const line of lines) ctx.io.out(`${format(line)}\n`);
}

function checkRange(history: HistoryRange | undefined, options: LogShowOptions): void {
  if (!options.realtime && history === undefined) {
    throw ERR_CLI_USAGE('walt log show needs --realtime, --history <range>, or both (e.g. --history -5m:)');
  }
  if (options.realtime && (history?.until || history?.toCheckpoint)) {
    throw ERR_CLI_USAGE(
      '--realtime continues the history up to now: give a range without an end (e.g. -5m:)',
    );
  }
}

export async function logShow(
  ctx: CliContext,
  regex: string | undefined,
  options: LogShowOptions,
): Promise<void> {
  const format = compileLogFormat(options.format ?? DEFAULT_LOG_FORMAT);
  const now = ctx.now();
  const history = options.history === undefined ? undefined : parseHistory(options.history, now);
  checkRange(history, options);
  const filters = await selectLogs(ctx, { ...options, lines: options.lines ?? regex });
  if (!filters) return;
  const logs = createLogsApi(ctx.agents, () => ctx.now());
  const owner = ctx.namespace;
  const withCheckpointOwner = (range: HistoryRange): LogQueryParams => ({
    ...filters,
    ...range,
    ...(range.fromCheckpoint || range.toCheckpoint ? { owner } : {}),
  });
  if (!options.realtime) {
    await printLines(ctx, logs.query(withCheckpointOwner(history!)), format);
    return;
  }
  const range = history ?? { since: now.toISOString() };
  await printLines(ctx, logs.follow(withCheckpointOwner(range), new AbortController().signal), format);
}
