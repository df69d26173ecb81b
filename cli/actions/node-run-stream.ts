// The streamed form of `walt node run` (ADR 0019): the command runs through a session without a PTY
// (walt-session on pipes), its stdout and stderr are printed as they come (to walt's stdout and
// stderr), and its exit status ends it, with the semantics of the buffered exec kept: stdin is empty
// (end of input at once), --connect-timeout waits for a node whose command channel is not up yet,
// --timeout ends the command (TERM, then KILL 5 s later) and counts as "did not finish" (124).
// undefined when the session could not run on this node or agent (walt-session refused to start, e.g.
// no perl in the image, or an agent without sessions): the caller falls back to the buffered exec.
import { StringDecoder } from 'node:string_decoder';
import type { AgentOperations } from '../../api/agent/v1.js';
import { isWaltError } from '../../common/errors.js';
import { RemoteSession } from '../../client/sessions.js';
import type { CliContext } from '../context.js';

/** Codes after which the buffered exec is tried instead (nothing ran on the node). */
const FALL_BACK = new Set(['WALT_ERR_SESSION_UNSUPPORTED', 'WALT_ERR_SESSION_NODE_FAILED']);
const NOT_CONNECTED = 'WALT_ERR_NODE_NOT_CONNECTED';
const KILL_AFTER_MS = 5000;
const RETRY_MS = 2000;

export interface StreamedRun {
  /** null: the command did not finish within the timeout. */
  exitCode: number | null;
  /** The last byte printed was a newline (or nothing was printed). */
  endsWithNewline: boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Where and what to run. */
export interface StreamTarget {
  agent: AgentOperations;
  node: string;
  command: readonly string[];
}

async function openWithin(
  { agent, node, command }: StreamTarget,
  connectMs: number,
  print: { out(text: string): void; err(text: string): void },
): Promise<{ session: RemoteSession; decoders: StringDecoder[] }> {
  const deadline = Date.now() + connectMs;
  const decoders = [new StringDecoder('utf8'), new StringDecoder('utf8')];
  for (;;) {
    try {
      const session = await RemoteSession.open(
        agent,
        node,
        { command: [...command], tty: false },
        {
          stdout: (data) => print.out(decoders[0]!.write(data)),
          stderr: (data) => print.err(decoders[1]!.write(data)),
        },
      );
      return { session, decoders };
    } catch (err) {
      if (!isWaltError(err) || err.code !== NOT_CONNECTED || Date.now() + RETRY_MS > deadline) throw err;
      await sleep(RETRY_MS);
    }
  }
}

export async function runStreamed(
  ctx: CliContext,
  target: StreamTarget,
  limits: { timeoutMs: number; connectMs: number },
): Promise<StreamedRun | undefined> {
  let last = '\n';
  const print = {
    out: (text: string): void => {
      if (text) last = text;
      ctx.io.out(text);
    },
    err: (text: string): void => ctx.io.err(text),
  };
  let opened;
  try {
    opened = await openWithin(target, limits.connectMs, print);
  } catch (err) {
    if (isWaltError(err) && FALL_BACK.has(err.code)) return undefined;
    throw err;
  }
  const { session, decoders } = opened;
  session.eof();
  let timedOut = false;
  let killTimer: NodeJS.Timeout | undefined;
  const timer = setTimeout(() => {
    timedOut = true;
    session.signal('TERM');
    killTimer = setTimeout(() => session.signal('KILL'), KILL_AFTER_MS);
  }, limits.timeoutMs);
  try {
    const status = await session.done;
    return { exitCode: timedOut ? null : status, endsWithNewline: last.endsWith('\n') };
  } catch (err) {
    // walt-session could not start: nothing ran, the buffered exec says why (or works).
    if (isWaltError(err) && FALL_BACK.has(err.code)) return undefined;
    throw err;
  } finally {
    clearTimeout(timer);
    clearTimeout(killTimer);
    print.out(decoders[0]!.end());
    print.err(decoders[1]!.end());
  }
}
