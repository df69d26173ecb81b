// Ending an experiment ends its commands on the nodes: every run step still Running has its command
// cancelled through the agents (DELETE .../exec/<id>: the node sends TERM to its process group, KILL
// after a grace, and reports how it ended), on each target node without a result yet, all nodes at
// once (each answer waits for its node's report, bounded by the agent). Aborting the operator's HTTP
// wait alone leaves the command running on the node until its own timeout. An agent that cannot be
// reached is reported (Warning event), not retried: ending the experiment must not wait on it, and
// the command's timeout still ends it.
import type { CancelAnswer } from '../../../api/agent/v1.js';
import { describeFailure } from './agent-of-node.js';
import type { ExperimentRun } from './reconcile-context.js';
import { stepTargets } from './steps.js';

/** Each node and command id of run steps still Running, nodes with a recorded result left out. */
export function commandsToCancel(run: ExperimentRun): Array<{ step: string; node: string; id: string }> {
  const found: Array<{ step: string; node: string; id: string }> = [];
  for (const step of run.exp.spec.steps) {
    const status = run.status.steps?.find((s) => s.name === step.name);
    if (!step.run || status?.phase !== 'Running' || status.commandId === undefined) continue;
    let targets: string[];
    try {
      targets = stepTargets(step, run.claimedNodes());
    } catch {
      continue;
    }
    const done = new Set((status.results ?? []).map((r) => r.node));
    for (const node of targets.filter((n) => !done.has(n)))
      found.push({ step: step.name, node, id: status.commandId });
  }
  return found;
}

/** What the experiment's log says of a cancel's answer (pure). */
export function describeCancel(answer: CancelAnswer): string {
  if (answer.was !== 'running') return `it was ${answer.was}`;
  const { ended } = answer;
  if (!ended) return 'it was running; the node did not confirm the kill (its timeout still ends it)';
  const how = ended.killed ? 'KILL, after it outlived TERM' : 'TERM';
  return `it was running; ended by ${how} (exit ${ended.exitCode})`;
}

export async function cancelCommands(run: ExperimentRun): Promise<void> {
  const cancelOne = async ({ step, node, id }: { step: string; node: string; id: string }): Promise<void> => {
    try {
      const answer = await (await run.deps.agents.forNode(node)).cancelExec(node, id);
      run.log(`step ${step}: command ${id} on ${node} cancelled: ${describeCancel(answer)}`, [node]);
    } catch (error) {
      await run.event('Warning', 'CommandNotCancelled', `step ${step} on ${node}: ${describeFailure(error)}`);
    }
  };
  await Promise.all(commandsToCancel(run).map(cancelOne));
}
