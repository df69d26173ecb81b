// `walt log wait <regex>`: follow the selected issuers' new lines (and those of the last
// --time-margin seconds) until a line matches (--mode ANY) or every issuer has emitted one (ALL),
// printing the matching lines; exit 5 after --timeout.
import { ERR_CLI_TIMEOUT, ERR_CLI_USAGE } from '../../client/errors.js';
import { createLogsApi } from '../../client/logs.js';
import { clearLongTimeout, setLongTimeout } from '../../common/timers.js';
import type { CliContext } from '../context.js';
import { DEFAULT_LOG_FORMAT, compileLogFormat } from '../log-format.js';
import { createWaitPredicate, parseWaitMode } from '../log-wait.js';
import { formatDuration, parseTimeout } from '../timeout.js';
import { selectLogs, type LogShowOptions } from './log-show.js';

export interface LogWaitOptions extends Omit<LogShowOptions, 'realtime' | 'history'> {
  mode?: string;
  timeout?: string;
  timeMargin?: string;
}

function marginMs(text: string | undefined): number {
  if (text === undefined) return 0;
  if (!/^[0-9]+$/.test(text)) throw ERR_CLI_USAGE(`--time-margin ${text}: write a number of seconds`);
  return Number(text) * 1000;
}

export async function logWait(ctx: CliContext, regex: string, options: LogWaitOptions): Promise<void> {
  const format = compileLogFormat(options.format ?? DEFAULT_LOG_FORMAT);
  const mode = parseWaitMode(options.mode ?? 'ANY');
  const timeoutMs = options.timeout === undefined ? undefined : parseTimeout(options.timeout);
  const since = new Date(ctx.now().getTime() - marginMs(options.timeMargin)).toISOString();
  const filters = await selectLogs(ctx, { ...options, lines: regex });
  if (!filters) throw ERR_CLI_USAGE('walt log wait needs at least one issuer');
  const done = createWaitPredicate(mode, filters.issuers ?? []);
  const controller = new AbortController();
  let timedOut = false;
  const timer =
    timeoutMs === undefined
      ? undefined
      : setLongTimeout(() => {
          timedOut = true;
          controller.abort();
        }, timeoutMs);
  try {
    for await (const line of createLogsApi(ctx.agents, () => ctx.now()).follow(
      { ...filters, since },
      controller.signal,
    )) {
      ctx.io.out(`${format(line)}\n`);
      if (done(line)) return;
    }
    if (timedOut) throw ERR_CLI_TIMEOUT(`waiting for a line matching ${regex}`, formatDuration(timeoutMs!));
  } finally {
    clearLongTimeout(timer);
    controller.abort();
  }
}
