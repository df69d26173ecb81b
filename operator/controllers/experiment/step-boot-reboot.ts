// `boot` and `reboot` steps: (re)boot the targets and wait until they run the experiment's image
// again, with the boot timeout and retries of spec.boot. boot and `reboot: {hard: true}` ask the
// agent for a hard reboot; a soft reboot runs soft-reboot.ts's script on the node through its agent
// (the image's `reboot`, busybox's, or SIGTERM to PID 1). A node that answers it cannot reboot gets a
// hard reboot at once; one that does not come back in time gets the hard reboots of the retries
// (without an agent client at all, the reboot is hard at once).
import type { AgentResolver } from './agent-of-node.js';
import { BOOT_RECHECK_MS } from './constants.js';
import { advanceBoots, rebootHardNow, requestBoots } from './boot-requests.js';
import type { ExperimentRun } from './reconcile-context.js';
import { rfc3339 } from '../../../runtime/index.js';
import { completeStep, type StepAdvance } from './step-result.js';
import { stepTargets } from './steps.js';
import { withStep, type StepCursor } from './state.js';
import { describeFailure } from './agent-of-node.js';
import { isClaimedBy } from './claims.js';
import { softRebootCommand, softRebootVerdict, type SoftRebootOutcome } from './soft-reboot.js';

/** Seconds the node may take to answer the soft reboot (its script answers at once). */
const SOFT_REBOOT_EXEC_TIMEOUT_SECONDS = 30;

async function actOnSoftReboot(run: ExperimentRun, node: string, outcome: SoftRebootOutcome): Promise<void> {
  const verdict = softRebootVerdict(outcome);
  switch (verdict.kind) {
    case 'rebooting':
      run.logger.info({ node, said: verdict.detail }, 'soft reboot under way');
      return;
    case 'wait':
      run.logger.info(
        { node, err: verdict.reason },
        'soft reboot: no answer from the node (expected if it is going down); the boot timeout decides',
      );
      return;
    case 'hard': {
      // Only while the node is still ours: the experiment may have ended or been deleted meanwhile.
      const current = run.deps.node(node);
      if (!current || !isClaimedBy(current, run.ref)) return;
      run.logger.warn({ node, err: verdict.reason }, 'soft reboot impossible: hard reboot now');
      run.log(`soft reboot of ${node} impossible (${verdict.reason}): hard reboot`, [node]);
      await rebootHardNow(run, node);
      run.deps.enqueue(run.key);
    }
  }
}

function softReboot(run: ExperimentRun, agents: AgentResolver, node: string): void {
  const request = {
    command: softRebootCommand(),
    timeoutSeconds: SOFT_REBOOT_EXEC_TIMEOUT_SECONDS,
    connectTimeoutSeconds: 0,
  };
  agents
    .forNode(node)
    .then((agent) => agent.exec(node, request))
    .then(
      (result): SoftRebootOutcome => ({ result }),
      (error: unknown): SoftRebootOutcome => ({ error }),
    )
    .then((outcome) => actOnSoftReboot(run, node, outcome))
    .catch((error: unknown) =>
      run.logger.warn({ node, err: describeFailure(error) }, 'soft reboot: the hard reboot request failed'),
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
