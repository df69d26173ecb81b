// `walt experiment …`: Experiments (claim nodes, boot an image, run steps) of the namespace.
import { Command } from 'commander';
import { experimentLogs, type ExperimentLogsOptions } from '../actions/experiment-logs.js';
import {
  DEFAULT_EXPERIMENT_TIMEOUT,
  experimentRun,
  type ExperimentRunOptions,
} from '../actions/experiment-run.js';
import { experimentShow, type ExperimentShowOptions } from '../actions/experiment-show.js';
import type { ContextFactory } from '../context.js';
import { DEFAULT_LOG_FORMAT } from '../log-format.js';
import { outputOption } from './options.js';

export function experimentCommand(context: ContextFactory): Command {
  const experiment = new Command('experiment').description('experiments: run, show, logs');
  experiment
    .command('run')
    .description('apply an Experiment manifest; --wait follows it to its end (exit 0 if it Succeeded)')
    .argument('<file>', 'YAML manifest of one Experiment')
    .option('--wait', 'follow its phases and step results until it ends')
    .option('--follow', 'as --wait, also printing its log lines')
    .option('--timeout <duration>', 'give up waiting after this long', DEFAULT_EXPERIMENT_TIMEOUT)
    .action((file: string, options: ExperimentRunOptions, cmd: Command) =>
      experimentRun(context(cmd), file, options),
    );
  experiment
    .command('show')
    .description('list the experiments of the namespace')
    .addOption(outputOption())
    .action((options: ExperimentShowOptions, cmd: Command) => experimentShow(context(cmd), options));
  experiment
    .command('logs')
    .description("print an experiment's log lines")
    .argument('<name>', 'experiment name')
    .option('--follow', 'then follow new lines until interrupted')
    .option('--format <template>', `Python-style template (default: "${DEFAULT_LOG_FORMAT}")`)
    .action((name: string, options: ExperimentLogsOptions, cmd: Command) =>
      experimentLogs(context(cmd), name, options),
    );
  return experiment;
}
