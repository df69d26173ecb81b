#!/usr/bin/env node
// Entry point of `walt` (and of `kubectl walt`, through cli/kubectl-walt or cli/kubectl-main.ts). Runs the
// command, then exits with the code of the outcome: 0, or the category of the coded error
// (cli/exit-codes.ts, cli/README.md).
import { CommanderError } from 'commander';
import { isWaltError } from '../common/errors.js';
import { createContext } from './context.js';
import { CommandExit, EXIT, exitCodeOf } from './exit-codes.js';
import { buildProgram } from './program.js';
import { readTextOrUndefined, versionAbove } from './version.js';

/** Commander's own outcomes: help and version are successes, anything else is a usage error. */
function commanderExit(error: CommanderError): number {
  if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.ok;
  return EXIT.usage;
}

function report(error: unknown): number {
  if (error instanceof CommanderError) return commanderExit(error); // commander printed the message
  if (error instanceof CommandExit) return error.exitCode; // the command's own status: its output said why
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`error: ${message}${isWaltError(error) ? ` [${error.code}]` : ''}\n`);
  if (process.env.WALT_DEBUG && error instanceof Error && error.stack)
    process.stderr.write(`${error.stack}\n`);
  return exitCodeOf(error);
}

async function main(): Promise<number> {
  const program = buildProgram({
    name: process.env.WALT_CLI_NAME ?? 'walt',
    context: createContext,
    version: versionAbove(import.meta.dirname, readTextOrUndefined),
  });
  try {
    await program.parseAsync(process.argv);
    return EXIT.ok;
  } catch (error) {
    return report(error);
  }
}

// Exit explicitly: an open keep-alive connection to the API server must not hold the process. The
// empty writes resolve once what was printed before them is flushed (pipes are asynchronous on macOS).
void main().then((code) => {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
});
