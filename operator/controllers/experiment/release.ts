// Ending a run and giving the nodes back. finish(): abort the running task, record the outcome
// (phase Releasing, Completed), then release. release(): for every node the experiment holds — its
// status list and any node the cache shows claimed by it (partial claims) — restore the previous
// image, then clear the claim (only if still ours); phase becomes the outcome, Released turns True.
import type { ReconcileOutcome } from '../../runtime/controller.js';
import { statusCodeOf } from '../../runtime/resource.js';
import { isClaimedBy } from './claims.js';
import type { ExperimentRun } from './run.js';
import { toReleased, toReleasing, type Outcome } from './state.js';

/** Restores and un-claims `names` (nodes already gone are skipped). */
export async function releaseNodes(run: ExperimentRun, names: readonly string[]): Promise<void> {
  const { nodeOps, requested } = run.deps;
  for (const name of names) {
    try {
      await nodeOps.restoreImage(name, run.ref);
      await nodeOps.releaseClaim(name, run.ref);
    } catch (error) {
      if (statusCodeOf(error) !== 404) throw error;
    }
    requested.delete(name);
  }
}

/** Every node the experiment may hold, sorted. */
export function heldNodes(run: ExperimentRun): string[] {
  const cached = run.deps
    .nodes()
    .filter((n) => isClaimedBy(n, run.ref))
    .map((n) => n.metadata.name);
  return [...new Set([...run.claimedNodes(), ...cached])].sort();
}

export async function release(run: ExperimentRun): Promise<ReconcileOutcome> {
  const names = heldNodes(run);
  await releaseNodes(run, names);
  const next = toReleased(run.status, names, run.clock());
  await run.commit(next);
  const note = names.length ? `released ${names.join(', ')}` : 'held no nodes';
  await run.event('Normal', 'Released', note);
  run.log(`${next.phase}; ${note}`, names);
}

export async function finish(
  run: ExperimentRun,
  outcome: Outcome,
  message: string,
): Promise<ReconcileOutcome> {
  run.deps.tasks.abortAll(run.uid, new Error(`the experiment ended: ${message}`));
  await run.commit(toReleasing(run.status, outcome, message, run.clock()));
  if (outcome === 'Failed') await run.event('Warning', 'Failed', message);
  else await run.event('Normal', 'Succeeded', message);
  run.log(`${outcome}: ${message}; Releasing`);
  return release(run);
}

/** On deletion (finalizer): stop the running task, release every node held. */
export async function releaseOnDelete(run: ExperimentRun): Promise<void> {
  run.deps.tasks.abortAll(run.uid, new Error('the experiment is being deleted'));
  const names = heldNodes(run);
  await releaseNodes(run, names);
  if (names.length) {
    await run.event('Normal', 'Released', `released ${names.join(', ')} (experiment deleted)`);
    run.log(`deleted; released ${names.join(', ')}`, names);
  }
}
