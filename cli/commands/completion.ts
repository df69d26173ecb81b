// `walt completion bash|zsh`: print a completion script for the whole command tree.
import { Argument, Command } from 'commander';
import { bashCompletion, zshCompletion } from '../completion.js';

export function completionCommand(program: Command, names: readonly string[]): Command {
  return new Command('completion')
    .description('print a shell completion script (source <(walt completion bash))')
    .addArgument(new Argument('<shell>', 'bash or zsh').choices(['bash', 'zsh']))
    .action((shell: 'bash' | 'zsh') => {
      process.stdout.write(shell === 'bash' ? bashCompletion(program, names) : zshCompletion(program, names));
    });
}
