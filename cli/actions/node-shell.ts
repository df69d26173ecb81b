// `walt node shell <node>` and `walt node run --term <node> -- <command…>`: an interactive session on
// the node through its agent (ADR 0019), as ssh gives: the local terminal in raw mode (so Ctrl-C, Ctrl-Z
// and the rest reach the remote PTY as bytes), the window size sent at start and on every SIGWINCH, and
// the remote command's exit status as walt's own. 255 when the session could not be opened or was cut,
// as ssh: a remote status cannot be told from a local failure otherwise.
import type { SessionSignal } from '../../api/agent/session-frames.js';
import { ERR_CLI_USAGE } from '../../client/errors.js';
import { RemoteSession } from '../../client/sessions.js';
import type { CliContext } from '../context.js';
import { CommandExit } from '../exit-codes.js';
import { selectNodes } from './nodes.js';

/** ssh's status for "the connection failed": the remote command's own statuses are 0 to 254 in practice. */
export const SESSION_FAILED_STATUS = 255;

/** The local terminal; the process's by default (tests drive the real one inside tmux). */
export interface SessionTerminal {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

const processTerminal = (): SessionTerminal => ({
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
});

/** The window to announce: the terminal's, or 80x24 when output is not a terminal. */
function windowOf(stdout: NodeJS.WriteStream): { cols: number; rows: number } {
  return stdout.isTTY ? { cols: stdout.columns || 80, rows: stdout.rows || 24 } : { cols: 80, rows: 24 };
}

async function oneNode(ctx: CliContext, name: string): Promise<{ node: string; segment: string }> {
  const nodes = await selectNodes(ctx, name);
  if (nodes.length !== 1)
    throw ERR_CLI_USAGE(`a session opens on one node: ${name} names ${nodes.length}; give one node's name`);
  return { node: nodes[0]!.metadata.name, segment: nodes[0]!.spec.segment };
}

/** Runs `command` (empty: the login shell) on a PTY of `name`; ends with its status. */
export async function nodeSession(
  ctx: CliContext,
  name: string,
  command: readonly string[],
  terminal: SessionTerminal = processTerminal(),
): Promise<void> {
  const { stdin, stdout, stderr } = terminal;
  let status: number;
  const restore: Array<() => void> = [];
  try {
    const { node, segment } = await oneNode(ctx, name);
    const agent = await ctx.agents.forSegment(segment);
    const session = await RemoteSession.open(
      agent,
      node,
      { command: [...command], tty: true, term: process.env.TERM || 'xterm', ...windowOf(stdout) },
      { stdout: (data) => stdout.write(data), stderr: (data) => stderr.write(data) },
    );
    if (stdin.isTTY) {
      stdin.setRawMode(true);
      restore.push(() => stdin.setRawMode(false));
    }
    const onData = (data: Buffer): void => session.write(data);
    const onEnd = (): void => session.eof();
    stdin.on('data', onData);
    stdin.once('end', onEnd);
    restore.push(() => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.pause();
    });
    const onResize = (): void => {
      const { cols, rows } = windowOf(stdout);
      session.resize(cols, rows);
    };
    process.on('SIGWINCH', onResize);
    restore.push(() => process.off('SIGWINCH', onResize));
    // Without a local terminal, signals to walt are passed on (a terminal sends them as bytes).
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      const forward = (): void => session.signal(signal.slice(3) as SessionSignal);
      process.on(signal, forward);
      restore.push(() => process.off(signal, forward));
    }
    stdin.resume();
    status = await session.done;
  } catch (err) {
    for (const undo of restore.reverse()) undo();
    restore.length = 0;
    stderr.write(`walt: ${(err as Error).message}\n`);
    status = SESSION_FAILED_STATUS;
  } finally {
    for (const undo of restore.reverse()) undo();
  }
  if (status !== 0) throw new CommandExit(status);
}
