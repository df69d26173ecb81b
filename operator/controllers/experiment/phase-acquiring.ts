// Phases Pending and Acquiring: claim the nodes (all or nothing), or wait with a message naming what
// is missing. Waiting experiments are re-queued when a WaltNode changes (see controller.ts) and every
// ACQUIRE_RECHECK_MS.
import type { ReconcileOutcome } from '../../../runtime/index.js';
import { planClaims } from './claims.js';
import { ACQUIRE_RECHECK_MS } from './constants.js';
import { heldNodes, releaseNodes } from './release.js';
import type { ExperimentRun } from './reconcile-context.js';
import { toAcquiring, toBooting } from './state.js';

/** A short, jittered delay: two experiments that raced for the same nodes do not race again in step. */
function raceRetryMs(): number {
  return 500 + Math.round(Math.random() * 1000);
}

async function wait(run: ExperimentRun, message: string, retryMs: number): Promise<ReconcileOutcome> {
  await run.commit(toAcquiring(run.status, message, run.clock()));
  return { requeueAfterMs: retryMs };
}

/** Claims `names` in order; on the first refusal releases all it holds and resolves that node's name. */
async function claimAll(run: ExperimentRun, names: readonly string[]): Promise<string | undefined> {
  for (const name of names) {
    if (await run.deps.nodeOps.claim(name, run.ref)) continue;
    await releaseNodes(run, heldNodes(run));
    return name;
  }
  return undefined;
}

export async function acquire(run: ExperimentRun): Promise<ReconcileOutcome> {
  const plan = planClaims(run.exp.spec.nodes, run.deps.nodes(), run.ref);
  await releaseNodes(run, plan.release);
  if (plan.kind === 'wait') return wait(run, plan.message, ACQUIRE_RECHECK_MS);
  const taken = await claimAll(run, plan.toClaim);
  if (taken)
    return wait(run, `waiting for ${taken} (claimed by another experiment meanwhile)`, raceRetryMs());
  await run.commit(toBooting(run.status, plan.nodes, run.wanted, run.clock()));
  await run.event('Normal', 'NodesClaimed', `claimed ${plan.nodes.join(', ')}`);
  run.log(`claimed ${plan.nodes.join(', ')}; Booting ${run.wanted}`, plan.nodes);
  return undefined;
}

export async function start(run: ExperimentRun): Promise<ReconcileOutcome> {
  await run.commit(toAcquiring(run.status, 'looking for nodes', run.clock()));
  run.log('Acquiring', run.exp.spec.nodes.names ?? []);
  return acquire(run);
}
