// `walt log …`: WalT's log commands (walt-reference §2.3) on the boot agents' log API.
import { Command, Option } from 'commander';
import { addCheckpoint, listCheckpoints, removeCheckpoint } from '../actions/log-checkpoints.js';
import { logShow, type LogShowOptions } from '../actions/log-show.js';
import { logWait, type LogWaitOptions } from '../actions/log-wait.js';
import type { ContextFactory } from '../context.js';
import { DEFAULT_ISSUERS } from '../log-filters.js';
import { DEFAULT_LOG_FORMAT } from '../log-format.js';
import { WAIT_MODES } from '../log-wait.js';
import { outputOption } from './options.js';

function filterOptions(command: Command): Command {
  return command
    .option('--issuers <set>', `node set, or issuer names (default: ${DEFAULT_ISSUERS})`)
    .option('--streams <regex>', 'only streams matching this regex')
    .option('--format <template>', `Python-style template (default: "${DEFAULT_LOG_FORMAT}")`);
}

export function logCommand(context: ContextFactory): Command {
  const log = new Command('log').description(
    'logs of nodes and platform: show, wait, add-checkpoint, list-checkpoints, remove-checkpoint',
  );
  filterOptions(
    log
      .command('show')
      .description('print log lines: --history RANGE, then new ones with --realtime')
      .argument('[regex]', 'only lines matching this regex (as --lines)')
      .option('--realtime', 'follow new lines until interrupted')
      .option('--history <range>', 'full, none, or [start]:[end] with -5m, checkpoint names or dates')
      .option('--lines <regex>', 'only lines matching this regex'),
  ).action((regex: string | undefined, options: LogShowOptions, cmd: Command) =>
    logShow(context(cmd), regex, options),
  );
  filterOptions(
    log
      .command('wait')
      .description('wait for a log line matching a regex (from any issuer, or from all with --mode ALL)')
      .argument('<regex>', 'line regex')
      .addOption(new Option('--mode <mode>', 'ANY or ALL issuers').choices([...WAIT_MODES]).default('ANY'))
      .option('--timeout <duration>', 'give up after this long (90s, 10m, or seconds)')
      .option('--time-margin <seconds>', 'also match lines of the last seconds'),
  ).action((regex: string, options: LogWaitOptions, cmd: Command) => logWait(context(cmd), regex, options));
  log
    .command('add-checkpoint')
    .description('name a point in time (now, or --date) to use in --history ranges')
    .argument('<name>', 'letters, digits and "-"')
    .option('--date <date>', '"YYYY-MM-DD HH:MM:SS", an RFC 3339 date, or -<n>[smhd]')
    .action((name: string, options: { date?: string }, cmd: Command) =>
      addCheckpoint(context(cmd), name, options),
    );
  log
    .command('list-checkpoints')
    .description('list the checkpoints of the namespace')
    .addOption(outputOption())
    .action((options: { output?: string }, cmd: Command) => listCheckpoints(context(cmd), options));
  log
    .command('remove-checkpoint')
    .description('remove a checkpoint')
    .argument('<name>', 'checkpoint name')
    .action((name: string, _options: unknown, cmd: Command) => removeCheckpoint(context(cmd), name));
  return log;
}
