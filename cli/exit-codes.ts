// Exit codes of the `walt` command, from the HTTP-like status every coded error carries (the web API's
// vocabulary; the catalogue is client/errors.ts), so scripts can tell a typo from a missing node from a
// timeout without reading the text. Tests assert on codes and exit codes, never on the wording.
import { isWaltError } from '../common/errors.js';

/** Process exit codes, by category (documented in cli/README.md). */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  notFound: 3,
  conflict: 4,
  timeout: 5,
  unreachable: 6,
  forbidden: 7,
  failed: 8,
} as const;

const EXIT_BY_STATUS: Record<number, number> = {
  400: EXIT.usage,
  422: EXIT.usage,
  404: EXIT.notFound,
  409: EXIT.conflict,
  504: EXIT.timeout,
  503: EXIT.unreachable,
  401: EXIT.forbidden,
  403: EXIT.forbidden,
  502: EXIT.failed,
};

/**
 * Ends the command with the exit status of a command it ran (`walt node run`), without a message:
 * what went wrong is in the output already.
 */
export class CommandExit extends Error {
  constructor(readonly exitCode: number) {
    super(`exit status ${exitCode}`);
    this.name = 'CommandExit';
  }
}

/** The exit code for an error the command ends with (1 for anything not coded). */
export function exitCodeOf(error: unknown): number {
  if (error instanceof CommandExit) return error.exitCode;
  if (!isWaltError(error)) return EXIT.failure;
  return EXIT_BY_STATUS[error.statusCode] ?? EXIT.failure;
}
