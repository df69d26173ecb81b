// The `walt` command tree. Built by a function (no side effects) so tests and the completion
// generator can walk it; main.ts runs it.
import { Command, Option } from 'commander';
import { completionCommand } from './commands/completion.js';
import { deviceCommand } from './commands/device.js';
import { experimentCommand } from './commands/experiment.js';
import { imageCommand } from './commands/image.js';
import { logCommand } from './commands/log.js';
import { nodeCommand } from './commands/node.js';
import type { ContextFactory } from './context.js';

export interface ProgramOptions {
  /** How the command is called: "walt", or "kubectl walt" as a kubectl plugin. */
  name: string;
  context: ContextFactory;
  /** What `--version` prints (no --version option without it). */
  version?: string;
}

/** Names the completion scripts register for (the command and its kubectl plugin executable). */
export const COMPLETION_NAMES = ['walt', 'kubectl-walt'];

/** Gives every command the program's exit and output settings (addCommand does not copy them). */
function inheritSettings(program: Command, command: Command): void {
  for (const sub of command.commands) {
    sub.copyInheritedSettings(program);
    inheritSettings(program, sub);
  }
}

export function buildProgram(options: ProgramOptions): Command {
  const program = new Command(options.name)
    .description(
      'WalT network testbed on Kubernetes: nodes, images, devices, logs and experiments of a walt.dev cluster',
    )
    .addOption(new Option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config)'))
    .option('--context <name>', 'kubeconfig context (default: the current one)')
    .option('-n, --namespace <namespace>', "your namespace (default: the context's, else default)")
    .showSuggestionAfterError()
    .exitOverride();
  if (options.version) program.version(options.version, '--version', 'print the version of walt');
  program.addCommand(nodeCommand(options.context));
  program.addCommand(imageCommand(options.context));
  program.addCommand(deviceCommand(options.context));
  program.addCommand(logCommand(options.context));
  program.addCommand(experimentCommand(options.context));
  program.addCommand(completionCommand(program, COMPLETION_NAMES));
  inheritSettings(program, program);
  return program;
}
