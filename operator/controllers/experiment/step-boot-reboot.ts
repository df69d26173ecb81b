// `boot` and `reboot` steps: (re)boot the targets and wait until they run the experiment's image
// again, with the boot timeout and retries of spec.boot. boot and `reboot: {hard: true}` ask the
// agent for a hard reboot; a soft reboot runs `reboot` on the node through its agent, and a node that
// does not come back in time gets the hard reboots of the retries (without an agent client at all,
// the reboot is hard at once).
import type { AgentResolver } from './agent-of-node.js';
import { BOOT_RECHECK_MS } from './constants.js';
import { advanceBoots, requestBoots } from './boot-requests.js';
import type { ExperimentRun } from './reconcile-context.js';
import { rfc3339 } from '../../../runtime/index.js';
import { completeStep, type StepAdvance } from './step-result.js';
import { stepTargets } from './steps.js';
import { withStep, type StepCursor } from './state.js';
import { describeFailure } from './agent-of-node.js';

function softReboot(run: ExperimentRun, agents: AgentResolver, node: string): void {
  agents
    .forNode(node)
    .then((agent) => agent.exec(node, { command: ['reboot'], timeoutSeconds: 30, connectTimeoutSeconds: 0 }))
    .catch((error: unknown) =>
      run.logger.info(
        { node, err: describeFailure(error) },
        'soft reboot: exec reboot did not answer (expected while rebooting)',
      ),
    );
}

async function startBoots(
  run: ExperimentRun,
  cursor: Extract<StepCursor, { kind: 'step' }>,
  targets: string[],
): Promise<void> {
  const { step } = cursor;
  const soft = step.reboot !== undefined && !step.reboot.hard && run.deps.hasAgents;
  let status = await requestBoots(run, run.status, targets, soft ? 'none' : 'hard');
  if (soft) for (const node of targets) softReboot(run, run.deps.agents, node);
  status = withStep(status, step.name, { phase: 'Running', startTime: rfc3339(new Date(run.deps.now())) });
  await run.commit(status);
  run.log(`running step ${step.name} (${soft ? 'soft' : 'hard'} reboot of ${targets.join(', ')})`);
}

export async function bootStep(
  run: ExperimentRun,
  cursor: Extract<StepCursor, { kind: 'step' }>,
): Promise<StepAdvance> {
  const { step } = cursor;
  let targets: string[];
  try {
    targets = stepTargets(step, run.claimedNodes());
  } catch (error) {
    return completeStep(run, step.name, { ok: false, results: [], message: describeFailure(error) });
  }
  if (cursor.status.phase === 'Pending') await startBoots(run, cursor, targets);
  const progress = await advanceBoots(run, run.status, targets);
  await run.commit(progress.status);
  if (progress.failure)
    return completeStep(run, step.name, { ok: false, results: [], message: progress.failure });
  if (!progress.ready)
    return { kind: 'stop', outcome: { requeueAfterMs: Math.min(progress.recheckInMs, BOOT_RECHECK_MS) } };
  const results = targets.map((node) => ({ node, message: `booted ${run.wanted}` }));
  return completeStep(run, step.name, { ok: true, results });
}
