// `walt node run <node-set> <command…>`: run a command on each node in turn through the agent of its
// segment (WalT runs it over SSH, sequentially), print its output, and end with its exit status. With
// several nodes, each output comes under a "=== node ===" header and the status is the first non-zero.
// The output is streamed while the command runs (node-run-stream.ts, a session without PTY), stdout to
// stdout and stderr to stderr; on a node that cannot run walt-session, the buffered exec answers.
import { ERR_CLI_COMMAND_TIMEOUT } from '../../client/errors.js';
import type { ExecRequest, ExecResult } from '../../api/agent/v1.js';
import type { WaltNode } from '../../api/v1alpha1/index.js';
import type { CliContext } from '../context.js';
import { CommandExit } from '../exit-codes.js';
import { formatDuration, parseTimeout } from '../timeout.js';
import { runStreamed } from './node-run-stream.js';
import { nodeSession } from './node-shell.js';
import { selectNodes } from './nodes.js';

export const DEFAULT_RUN_TIMEOUT = '5m';
export const DEFAULT_CONNECT_TIMEOUT = '5m';

export interface NodeRunOptions {
  timeout?: string;
  connectTimeout?: string;
  /** On a PTY of one node, interactively (node-shell.ts). */
  term?: boolean;
}

function print(ctx: CliContext, node: string, result: ExecResult, several: boolean): void {
  if (result.truncatedBytes > 0)
    ctx.io.err(`note: ${result.truncatedBytes} bytes of output dropped on ${node}\n`);
  ctx.io.out(result.output);
  if (several && result.output && !result.output.endsWith('\n')) ctx.io.out('\n');
}

/** Runs the command on one node: streamed, or buffered when the node cannot stream (no perl). */
async function runOn(
  ctx: CliContext,
  node: WaltNode,
  run: { request: ExecRequest; timeoutMs: number; connectMs: number; several: boolean },
): Promise<ExecResult> {
  const name = node.metadata.name;
  const agent = await ctx.agents.forSegment(node.spec.segment);
  if (run.several) ctx.io.out(`=== ${name} ===\n`);
  const target = { agent, node: name, command: run.request.command };
  const streamed = await runStreamed(ctx, target, run);
  if (!streamed) {
    const result = await agent.exec(name, run.request);
    print(ctx, name, result, run.several);
    return result;
  }
  if (run.several && !streamed.endsWithNewline) ctx.io.out('\n');
  const { exitCode } = streamed;
  return { exitCode, output: '', truncatedBytes: 0, timedOut: exitCode === null, durationMs: 0 };
}

/** The command's exit status on one node (124, as timeout(1), when it did not finish). */
function statusOf(
  ctx: CliContext,
  node: string,
  result: ExecResult,
  run: { single: boolean; after: string },
): number {
  if (result.exitCode !== null && !result.timedOut) return result.exitCode;
  const error = ERR_CLI_COMMAND_TIMEOUT(node, run.after);
  if (run.single) throw error;
  ctx.io.err(`error: ${error.message}\n`);
  return result.exitCode ?? 124;
}

export async function nodeRun(
  ctx: CliContext,
  args: { set: string; command: readonly string[] },
  options: NodeRunOptions,
): Promise<void> {
  if (options.term) return nodeSession(ctx, args.set, args.command);
  const timeoutMs = parseTimeout(options.timeout ?? DEFAULT_RUN_TIMEOUT);
  const connectMs = parseTimeout(options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT);
  const nodes = await selectNodes(ctx, args.set);
  const request = {
    command: [...args.command],
    timeoutSeconds: Math.ceil(timeoutMs / 1000),
    connectTimeoutSeconds: Math.ceil(connectMs / 1000),
  };
  let status = 0;
  for (const node of nodes) {
    const several = nodes.length > 1;
    const result = await runOn(ctx, node, { request, timeoutMs, connectMs, several });
    const code = statusOf(ctx, node.metadata.name, result, {
      single: !several,
      after: formatDuration(timeoutMs),
    });
    if (status === 0) status = code;
  }
  if (status !== 0) throw new CommandExit(status);
}
