// Booting nodes and waiting for them, shared by the Booting phase and the boot and reboot steps. Each
// request is recorded in the node's claim (status.claimedBy.bootRequestedAt, for restarts) and in
// memory (for a cache that has not seen the write yet); status.nodes[] holds each node's phase (Claimed → Booting → Ready) and attempts.
import type { ExperimentStatus } from '../../../api/v1alpha1/index.js';
import { describeError, rfc3339 } from '../../../runtime/index.js';
import { bootState, type BootState } from './boot-verdict.js';
import { bootRequestedAt, type BootRequest } from './node-ops.js';
import type { ExperimentRun } from './reconcile-context.js';
import { recordOf, splitImageName, type NodeRecord } from './records.js';
import { durationMs } from './steps.js';
import { withNode } from './state.js';

export interface BootProgress {
  status: ExperimentStatus;
  ready: boolean;
  failure?: string;
  recheckInMs: number;
}

async function requestOne(run: ExperimentRun, name: string, reboot: BootRequest['reboot']): Promise<void> {
  const at = await run.deps.nodeOps.requestBoot(
    name,
    run.ref,
    { image: run.wanted, reboot },
    new Date(run.deps.now()),
  );
  run.deps.requested.set(name, at);
}

/** Asks `name` for a hard reboot into the experiment's image now (a soft reboot it could not start). */
export async function rebootHardNow(run: ExperimentRun, name: string): Promise<void> {
  await requestOne(run, name, 'hard');
}

/** Asks `names` to boot the experiment's image; their status entries restart at attempt 1. */
export async function requestBoots(
  run: ExperimentRun,
  status: ExperimentStatus,
  names: readonly string[],
  reboot: BootRequest['reboot'],
): Promise<ExperimentStatus> {
  let next = status;
  for (const name of names) {
    await requestOne(run, name, reboot);
    next = withNode(next, name, { phase: 'Booting', bootAttempts: 1 });
  }
  return next;
}

function requestedAt(run: ExperimentRun, name: string): number | undefined {
  const seen = bootRequestedAt(run.deps.node(name));
  const mine = run.deps.requested.get(name);
  if (mine === undefined) return seen;
  // Until the cache shows our latest request, its claim's time is older and proves nothing.
  return seen !== undefined && seen >= mine ? seen : undefined;
}

type Step = { status: ExperimentStatus; failure?: string; recheckInMs: number };

function stateOf(run: ExperimentRun, name: string, attempts: number, now: number): BootState {
  const { boot } = run.exp.spec;
  return bootState({
    node: run.deps.node(name),
    name,
    wanted: run.wanted,
    requestedAt: requestedAt(run, name),
    attempts,
    timeoutMs: durationMs(boot?.timeout, 300_000),
    retries: boot?.retries ?? 2,
    now,
  });
}

/** `read`, or undefined (logged) when it fails: a record never holds up a boot. */
async function bestEffort<T>(
  run: ExperimentRun,
  what: string,
  read: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    run.logger.warn({ err: describeError(error) }, `could not read ${what} for the node record`);
    return undefined;
  }
}

/**
 * What `name` runs now (records.ts): read when it turns Ready, so each boot overwrites the last. The
 * digest comes from the node cache; the image's reference and the agent's version are read, and left
 * out of the record when they cannot be.
 */
async function recordNode(run: ExperimentRun, name: string): Promise<NodeRecord> {
  const node = run.deps.node(name);
  if (!node) return {};
  const booted = splitImageName(node.status?.bootedImage?.name ?? '');
  const { records } = run.deps;
  const image = booted
    ? await bestEffort(run, 'the WaltImage', () => records.image(booted.namespace, booted.name))
    : undefined;
  const segment = node.spec.segment;
  const version = await bestEffort(run, 'the agent version', () => records.agentVersion(segment));
  return recordOf(node, image, version);
}

/** One node's boot wait: Ready, hard-rebooted after a timeout, failed, or still waiting. */
async function advanceOne(run: ExperimentRun, status: ExperimentStatus, name: string): Promise<Step> {
  const entry = status.nodes?.find((n) => n.name === name);
  if (entry?.phase !== 'Booting') return { status, recheckInMs: Number.POSITIVE_INFINITY };
  const now = run.deps.now();
  const attempts = entry.bootAttempts ?? 1;
  const state = stateOf(run, name, attempts, now);
  switch (state.kind) {
    case 'ready': {
      const ip = state.ip ? { ip: state.ip } : {};
      const record = await recordNode(run, name);
      const ready = { phase: 'Ready', readyTime: rfc3339(new Date(now)), ...ip, ...record };
      const next = { ...withNode(status, name, ready), operatorVersion: run.deps.version };
      return { status: next, recheckInMs: Infinity };
    }
    case 'waiting':
      return { status, recheckInMs: state.recheckInMs };
    case 'retry':
      await run.event('Warning', 'NodeBootTimeout', state.message);
      await requestOne(run, name, 'hard');
      return { status: withNode(status, name, { bootAttempts: attempts + 1 }), recheckInMs: 1000 };
    case 'failed':
      await run.event('Warning', 'NodeBootTimeout', state.message);
      return { status, failure: state.message, recheckInMs: 0 };
  }
}

/** One pass over the boot waits of `names`: marks Ready nodes, hard-reboots timed-out ones. */
export async function advanceBoots(
  run: ExperimentRun,
  status: ExperimentStatus,
  names: readonly string[],
): Promise<BootProgress> {
  let next = status;
  let recheckInMs = Number.POSITIVE_INFINITY;
  for (const name of names) {
    const step = await advanceOne(run, next, name);
    next = step.status;
    if (step.failure) return { status: next, ready: false, failure: step.failure, recheckInMs: 0 };
    recheckInMs = Math.min(recheckInMs, step.recheckInMs);
  }
  const ready = names.every((n) => next.nodes?.find((e) => e.name === n)?.phase === 'Ready');
  return { status: next, ready, recheckInMs };
}
