// A `run` step: the command on every target node at once, through each node's agent. A node passes
// when its exit code is the expected one; the step passes when every node does. Each node's command
// carries the step's command id (recorded in status before anything is sent): when the agent cannot
// be reached mid-command, and after an operator restart, the step re-attaches to the command by that
// id (GET .../exec/<id>) instead of running it again; an agent that lost it answers
// WALT_ERR_COMMAND_LOST, which becomes the node's failure.
import type { AgentOperations, ExecRequest, ExecResult } from '../../../api/agent/v1.js';
import { isWaltError } from '../../../common/errors.js';
import type { AgentResolver } from './agent-of-node.js';
import { describeFailure } from './agent-of-node.js';
import { AGENT_RETRY_MS, CONNECT_TIMEOUT_SECONDS, OUTPUT_LIMIT_BYTES } from './constants.js';
import { truncateTail } from './output.js';
import { durationMs, type Step } from './steps.js';
import type { StepNodeResult, TaskBody, TaskContext } from './tasks.js';

export interface RunStepInput {
  run: NonNullable<Step['run']>;
  nodes: readonly string[];
  logStream: string;
  agents: AgentResolver;
  /** The step's command id on every node (status.steps[].commandId). */
  commandId: string;
  /** The commands were sent before (the operator restarted): attach to them, never send again. */
  attach?: boolean;
  /** Called when the agent could not be reached and the node's command is attached to again. */
  onRetry?: (node: string, error: unknown) => void;
}

/** A node's result from the agent's answer (pure). */
export function runResult(
  node: string,
  result: ExecResult,
  expectExitCode: number,
): StepNodeResult & { ok: boolean } {
  const output = truncateTail(result.output, OUTPUT_LIMIT_BYTES, result.truncatedBytes);
  const base = { node, output, ...(result.exitCode === null ? {} : { exitCode: result.exitCode }) };
  if (result.timedOut || result.exitCode === null) {
    return {
      ...base,
      ok: false,
      message: `the command timed out after ${Math.round(result.durationMs / 1000)} s`,
    };
  }
  if (result.exitCode !== expectExitCode) {
    return { ...base, ok: false, message: `exit code ${result.exitCode}, expected ${expectExitCode}` };
  }
  return { ...base, ok: true };
}

const unreachable = (error: unknown): boolean =>
  isWaltError(error) && error.code === 'WALT_ERR_AGENT_UNREACHABLE';
/** A restarted agent answers 503 until its token is loaded: the request was refused, not accepted. */
const agentStarting = (error: unknown): boolean =>
  isWaltError(error) && error.code === 'WALT_ERR_HTTP_TOKEN_NOT_READY';

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * The command's result: sent once (unless `attach`), then attached to by its id for as long as the
 * agent cannot be reached or is starting (until the task's signal ends it). Any other coded answer of
 * the agent ends it.
 */
async function resultOf(
  { agent, node }: { agent: AgentOperations; node: string },
  request: ExecRequest & { id: string },
  input: RunStepInput,
  signal: AbortSignal,
): Promise<ExecResult> {
  let send = input.attach !== true;
  for (;;) {
    try {
      return send
        ? await agent.exec(node, request, signal)
        : await agent.attachExec(node, request.id, signal);
    } catch (error) {
      const starting = agentStarting(error);
      if (!(unreachable(error) || starting) || signal.aborted) throw error;
      input.onRetry?.(node, error);
      // An unreachable agent may have taken the command: attach from now on. A starting one refused it.
      if (!starting) send = false;
      await pause(AGENT_RETRY_MS, signal);
    }
  }
}

/** Runs on one node and reports its result; resolves the failure text, or undefined if it passed. */
async function runOn(node: string, input: RunStepInput, ctx: TaskContext): Promise<string | undefined> {
  const { run } = input;
  try {
    const agent = await input.agents.forNode(node);
    const request = {
      command: run.command,
      timeoutSeconds: Math.ceil(durationMs(run.timeout, 300_000) / 1000),
      connectTimeoutSeconds: CONNECT_TIMEOUT_SECONDS,
      logStream: input.logStream,
      id: input.commandId,
    };
    const answer = await resultOf({ agent, node }, request, input, ctx.signal);
    const { ok, ...result } = runResult(node, answer, run.expectExitCode ?? 0);
    ctx.report(result);
    return ok ? undefined : `${node}: ${result.message}`;
  } catch (error) {
    const message = describeFailure(error);
    ctx.report({ node, message });
    return `${node}: ${message}`;
  }
}

export function runStepTask(input: RunStepInput): TaskBody {
  return async (ctx) => {
    const failures = await Promise.all(input.nodes.map((node) => runOn(node, input, ctx)));
    const failed = failures.filter((f): f is string => f !== undefined);
    return { ok: failed.length === 0, results: [], ...(failed.length ? { message: failed.join('; ') } : {}) };
  };
}

/**
 * The task of a run step found Running after a restart: the nodes with a result in status keep it
 * (reported again, counted in the outcome), the others are attached to by the step's command id.
 */
export function resumeRunStepTask(input: RunStepInput, recorded: readonly StepNodeResult[]): TaskBody {
  return async (ctx) => {
    const done = recorded.filter((r) => input.nodes.includes(r.node));
    for (const result of done) ctx.report(result);
    const rest = input.nodes.filter((node) => !done.some((r) => r.node === node));
    const outcome = await runStepTask({ ...input, nodes: rest, attach: true })(ctx);
    const failed = done.filter((r) => r.message !== undefined).map((r) => `${r.node}: ${r.message}`);
    if (outcome.message) failed.push(outcome.message);
    return { ok: failed.length === 0, results: [], ...(failed.length ? { message: failed.join('; ') } : {}) };
  };
}
