// A `run` step: the command on every target node at once, through each node's agent. A node passes
// when its exit code is the expected one; the step passes when every node does.
import type { ExecResult } from '../../../api/agent/v1.js';
import type { AgentResolver } from './agents.js';
import { describeFailure } from './agents.js';
import { CONNECT_TIMEOUT_SECONDS, OUTPUT_LIMIT_BYTES } from './constants.js';
import { truncateTail } from './output.js';
import { durationMs, type Step } from './steps.js';
import type { StepNodeResult, TaskBody, TaskContext } from './tasks.js';

export interface RunStepInput {
  run: NonNullable<Step['run']>;
  nodes: readonly string[];
  logStream: string;
  agents: AgentResolver;
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

/** Runs on one node and reports its result; resolves the failure text, or undefined if it passed. */
async function runOn(node: string, input: RunStepInput, ctx: TaskContext): Promise<string | undefined> {
  const { run } = input;
  try {
    const agent = await input.agents.forNode(node);
    const answer = await agent.exec(
      node,
      {
        command: run.command,
        timeoutSeconds: Math.ceil(durationMs(run.timeout, 300_000) / 1000),
        connectTimeoutSeconds: CONNECT_TIMEOUT_SECONDS,
        logStream: input.logStream,
      },
      ctx.signal,
    );
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
