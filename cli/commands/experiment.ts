// `walt experiment …`: Experiments (claim nodes, boot an image, run steps) of the namespace.
import { Command } from 'commander';
import { experimentLogs, type ExperimentLogsOptions } from '../actions/experiment-logs.js';
import {
  DEFAULT_EXPERIMENT_TIMEOUT,
  experimentRun,
  type ExperimentRunOptions,
} from '../actions/experiment-run.js';
import { experimentRerun, type ExperimentRerunOptions } from '../actions/experiment-rerun.js';
import { experimentShow, type ExperimentShowOptions } from '../actions/experiment-show.js';
import type { ContextFactory } from '../context.js';
import { DEFAULT_LOG_FORMAT } from '../log-format.js';
import { outputOption } from './options.js';

export function experimentCommand(context: ContextFactory): Command {
  const experiment = new Command('experiment').description('experiments: run, show, logs, rerun');
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
  addRerun(experiment, context);
  return experiment;
}

/** `walt experiment rerun`: a copy pinned to the image digests the original's nodes booted. */
function addRerun(experiment: Command, context: ContextFactory): void {
  experiment
    .command('rerun')
    .description('copy an experiment pinned to the image digest its nodes booted, on the same nodes')
    .argument('<name>', 'experiment to repeat')
    .option('--as <new-name>', 'name of the copy and of its pinned WaltImage (default: <name>-rerun)')
    .option('--wait', 'follow the copy until it ends (exit 0 if it Succeeded)')
    .option('--timeout <duration>', 'give up waiting after this long', DEFAULT_EXPERIMENT_TIMEOUT)
    .action((name: string, options: ExperimentRerunOptions, cmd: Command) =>
      experimentRerun(context(cmd), name, options),
    );
}
