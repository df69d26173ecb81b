// Phase Booting: every claimed node boots the experiment's image (spec.image changed, or a reboot
// asked for when it already was that image), within boot.timeout, with up to boot.retries hard
// reboots; then Running. spec.timeout counts from startTime (the claim) here too.
import type { ReconcileOutcome } from '../../../runtime/index.js';
import { BOOT_RECHECK_MS } from './constants.js';
import { advanceBoots, requestBoots } from './boot-requests.js';
import { finish } from './release.js';
import type { ExperimentRun } from './reconcile-context.js';
import { durationMs } from './steps.js';
import { overallTimedOut, toRunning } from './state.js';

/** Milliseconds left before spec.timeout (counted from startTime) runs out. */
export function timeLeftMs(run: ExperimentRun): number {
  const start = run.status.startTime ? Date.parse(run.status.startTime) : run.deps.now();
  return start + durationMs(run.exp.spec.timeout, 3_600_000) - run.deps.now();
}

/** Caps a re-queue delay so the experiment is looked at again when its timeout runs out. */
export function capped(run: ExperimentRun, outcome: ReconcileOutcome): ReconcileOutcome {
  if (outcome?.requeueAfterMs === undefined) return outcome;
  return { requeueAfterMs: Math.max(0, Math.min(outcome.requeueAfterMs, timeLeftMs(run) + 1)) };
}

export function timeoutMessage(run: ExperimentRun): string | undefined {
  const timeout = run.exp.spec.timeout ?? '1h';
  const ms = durationMs(timeout, 3_600_000);
  return overallTimedOut(run.status, ms, run.deps.now())
    ? `the experiment ran past its timeout of ${timeout}`
    : undefined;
}

export async function booting(run: ExperimentRun): Promise<ReconcileOutcome> {
  const late = timeoutMessage(run);
  if (late) return finish(run, 'Failed', late);
  const fresh = (run.status.nodes ?? []).filter((n) => n.phase === 'Claimed').map((n) => n.name);
  const requested = await requestBoots(run, run.status, fresh, 'auto');
  const progress = await advanceBoots(run, requested, run.claimedNodes());
  await run.commit(progress.status);
  if (progress.failure) return finish(run, 'Failed', progress.failure);
  if (!progress.ready)
    return capped(run, { requeueAfterMs: Math.min(progress.recheckInMs, BOOT_RECHECK_MS) });
  await run.commit(toRunning(run.status, run.exp.spec, run.clock()));
  run.log('nodes ready; Running');
  return undefined;
}
