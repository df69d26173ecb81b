// `walt node console <vnode>`: the serial console of a virtual node, through its agent (ADR 0019): what
// the VM prints from now on, and what is typed goes to its serial line (qemu's stdin, held by the
// agent). The terminal is in raw mode; Ctrl-] (as in telnet) detaches and walt exits 0; the VM runs on.
// 255 when the console could not be attached or was cut.
import { RemoteSession } from '../../client/sessions.js';
import type { CliContext } from '../context.js';
import { CommandExit } from '../exit-codes.js';
import { SESSION_FAILED_STATUS, type SessionTerminal } from './node-shell.js';
import { selectNodes } from './nodes.js';
import { ERR_CLI_USAGE } from '../../client/errors.js';

/** The byte that detaches: Ctrl-] (0x1d). */
export const CONSOLE_ESCAPE = 0x1d;

/** The input before the escape byte, and whether it came (pure). */
export function splitAtEscape(data: Buffer): { input: Buffer; detach: boolean } {
  const at = data.indexOf(CONSOLE_ESCAPE);
  return at < 0 ? { input: data, detach: false } : { input: data.subarray(0, at), detach: true };
}

export async function nodeConsole(
  ctx: CliContext,
  name: string,
  terminal: SessionTerminal = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr },
): Promise<void> {
  const { stdin, stdout, stderr } = terminal;
  const restore: Array<() => void> = [];
  let detached = false;
  try {
    const nodes = await selectNodes(ctx, name);
    if (nodes.length !== 1)
      throw ERR_CLI_USAGE(`give one virtual node's name (${name} names ${nodes.length})`);
    const node = nodes[0]!;
    const agent = await ctx.agents.forSegment(node.spec.segment);
    const session = await RemoteSession.console(agent, node.metadata.name, {
      stdout: (data) => stdout.write(data),
      stderr: (data) => stderr.write(data),
    });
    if (stdin.isTTY) {
      stdin.setRawMode(true);
      restore.push(() => stdin.setRawMode(false));
    }
    if (stdout.isTTY) stderr.write(`[attached to the console of ${node.metadata.name}; Ctrl-] detaches]\r\n`);
    const onData = (data: Buffer): void => {
      const { input, detach } = splitAtEscape(data);
      if (input.length > 0) session.write(input);
      if (!detach) return;
      detached = true;
      session.close();
    };
    stdin.on('data', onData);
    restore.push(() => {
      stdin.off('data', onData);
      stdin.pause();
    });
    stdin.resume();
    await session.done;
  } catch (err) {
    for (const undo of restore.splice(0).reverse()) undo();
    if (detached) {
      stderr.write('\r\n[detached]\n');
      return;
    }
    stderr.write(`walt: ${(err as Error).message}\n`);
    throw new CommandExit(SESSION_FAILED_STATUS);
  } finally {
    for (const undo of restore.reverse()) undo();
  }
}
