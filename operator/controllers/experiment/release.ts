// Ending a run and giving the nodes back. finish(): abort the running task and cancel its commands on
// the nodes (cancel.ts), record the outcome
// (phase Releasing, Completed), then release. release(): for every node the experiment holds — its
// status list and any node the cache shows claimed by it (partial claims) — clear the claim (only if
// still ours; the node then boots its spec's image again, nothing is restored); phase becomes the
// outcome, Released turns True. With keep.savedImage the nodes are saved first (saved-images.ts).
import { experimentStreamRegex } from '../../../api/v1alpha1/index.js';
import { type ReconcileOutcome, statusCodeOf } from '../../../runtime/index.js';
import { describeFailure } from './agent-of-node.js';
import { cancelCommands } from './cancel.js';
import { isClaimedBy } from './claims.js';
import type { ExperimentRun } from './reconcile-context.js';
import { saveNodes } from './saved-images.js';
import { toReleased, toReleasing, type Outcome } from './state.js';

/** Un-claims `names` (nodes already gone are skipped). */
export async function releaseNodes(run: ExperimentRun, names: readonly string[]): Promise<void> {
  const { nodeOps, requested } = run.deps;
  for (const name of names) {
    try {
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
  await saveNodes(run);
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
  await cancelCommands(run);
  await run.commit(toReleasing(run.status, outcome, message, run.clock()));
  if (outcome === 'Failed') await run.event('Warning', 'Failed', message);
  else await run.event('Normal', 'Succeeded', message);
  run.log(`${outcome}: ${message}; Releasing`);
  return release(run);
}

/**
 * keep.logs false: deletes the step output streams from the agents of the segments the experiment
 * ran on. An agent that fails is reported (Warning event), not retried: deleting the experiment
 * must not wait on an unreachable agent, and its retention removes the lines in time.
 */
async function deleteLogs(run: ExperimentRun, nodes: readonly string[]): Promise<void> {
  const segments = new Set(nodes.map((n) => run.deps.node(n)?.spec.segment).filter((s) => s !== undefined));
  const stream = experimentStreamRegex(run.ref.namespace, run.ref.name);
  let deleted = 0;
  for (const segment of [...segments].sort()) {
    try {
      deleted += await (await run.deps.agents.forSegment(segment)).deleteLogStreams({ stream });
    } catch (error) {
      await run.event('Warning', 'LogsNotDeleted', `segment ${segment}: ${describeFailure(error)}`);
    }
  }
  await run.event('Normal', 'LogsDeleted', `deleted ${deleted} log lines of the steps (keep.logs is false)`);
}

/**
 * On deletion (finalizer): stop the running task and its commands, release every node held, delete
 * logs not kept.
 */
export async function releaseOnDelete(run: ExperimentRun): Promise<void> {
  run.deps.tasks.abortAll(run.uid, new Error('the experiment is being deleted'));
  await cancelCommands(run);
  const names = heldNodes(run);
  await releaseNodes(run, names);
  if (names.length) {
    await run.event('Normal', 'Released', `released ${names.join(', ')} (experiment deleted)`);
    run.log(`deleted; released ${names.join(', ')}`, names);
  }
  if (run.exp.spec.keep?.logs === false)
    await deleteLogs(run, [...new Set([...run.claimedNodes(), ...names])]);
}
