// The agent controller of virtual nodes: every WaltNode with spec.virtual on this segment runs as a
// VM here. It starts VMs (tap + supervised qemu), restarts them when their virtual hardware changes,
// reboots them when their image changes or a user asks (`walt node reboot`), reports the Powered condition (its own field manager, its
// own entry of the conditions list) and VM events, and — through the finalizer vnode.walt.dev/<segment>
// — stops a VM and deletes its tap and work dir before its node goes. Nodes that leave the segment (or
// stop being virtual) are torn down the same way.
//
// The finalizer is managed here, not by the runtime's finalizer option: that one would put it on
// every WaltNode, physical ones and other segments' included.
import { vnodeFinalizer } from '../../api/agent/finalizers.js';
import { bootedSince } from '../../api/node/index.js';
import { POWERED_CONDITION } from '../../api/node/index.js';
import type { WaltNode } from '../../api/v1alpha1/index.js';
import { RESOURCES } from '../../api/v1alpha1/index.js';
import {
  getCondition,
  type ManagedControllerOptions,
  type ReconcileContext,
  type ReconcileOutcome,
  setCondition,
} from '../../runtime/index.js';
import { type ImageRebooter } from '../power/image-reboot.js';
import type { RequestedRebooter } from '../power/requested-reboot.js';
import type { VnodeRunner } from './runner.js';
import { poweredCondition } from './status.js';

export { vnodeFinalizer };

export function vnodeFieldManager(segment: string): string {
  return `walt-agent-${segment}-vnodes`;
}

export interface VnodeControllerOptions {
  segment: string;
  runner: VnodeRunner;
  rebooter: ImageRebooter;
  requestRebooter: RequestedRebooter;
}

type Ctx = ReconcileContext<WaltNode>;

/** Applies the Powered condition when it differs from the node's (only that entry: conditions are a map). */
async function reportPowered(runner: VnodeRunner, ctx: Ctx): Promise<void> {
  const node = ctx.current();
  const snapshot = runner.snapshot(node.metadata.name);
  if (!snapshot) return;
  const wanted = poweredCondition(snapshot);
  const current = getCondition(node.status?.conditions, POWERED_CONDITION);
  const same =
    current?.status === wanted.status &&
    current.reason === wanted.reason &&
    current.message === wanted.message &&
    current.observedGeneration === node.metadata.generation;
  if (same) return;
  const conditions = setCondition(node.status?.conditions, wanted, node.metadata.generation);
  await ctx.status.apply({ conditions: conditions.filter((c) => c.type === POWERED_CONDITION) });
}

async function recordEvents(runner: VnodeRunner, name: string, ctx: Ctx): Promise<void> {
  for (const event of runner.takeEvents(name)) await ctx.events.record({ ...event, action: 'PowerVM' });
}

/** Why a VM of this agent no longer belongs here (for the VMStopped event). */
function goneReason(node: WaltNode, segment: string): string {
  if (node.metadata.deletionTimestamp) return 'the node is being deleted';
  if (node.spec.segment !== segment) return `the node moved to segment ${node.spec.segment}`;
  return 'the node is no longer virtual';
}

async function teardown(options: VnodeControllerOptions, node: WaltNode, ctx: Ctx): Promise<void> {
  const { runner, segment } = options;
  const name = node.metadata.name;
  const finalizer = vnodeFinalizer(segment);
  if (!runner.has(name) && !ctx.finalizers.has(finalizer)) return;
  const wasRunning = await runner.teardown(name);
  if (wasRunning) {
    const note = `VM stopped, its tap and disks deleted: ${goneReason(node, segment)}`;
    await ctx.events.normal('VMStopped', note, 'PowerVM');
  }
  if (ctx.finalizers.has(finalizer)) await ctx.finalizers.remove(finalizer);
}

/** Reports a start failure in Powered (e.g. the segment interface is not a bridge), then fails. */
async function failedStart(ctx: Ctx, error: unknown): Promise<never> {
  const node = ctx.current();
  const message = `cannot start the VM: ${error instanceof Error ? error.message : String(error)}`;
  const input = { type: POWERED_CONDITION, status: 'False' as const, reason: 'StartFailed', message };
  const current = getCondition(node.status?.conditions, POWERED_CONDITION);
  if (current?.message !== message) {
    const conditions = setCondition(node.status?.conditions, input, node.metadata.generation);
    await ctx.status.apply({ conditions: conditions.filter((c) => c.type === POWERED_CONDITION) });
    await ctx.events.warning('VMStartFailed', message, 'PowerVM');
  }
  throw error; // retried with the queue's back-off
}

export async function reconcileVnode(
  options: VnodeControllerOptions,
  node: WaltNode,
  ctx: Ctx,
): Promise<ReconcileOutcome> {
  const { runner, segment } = options;
  if (!runner.owns(node)) return teardown(options, node, ctx);
  const finalizer = vnodeFinalizer(segment);
  if (!ctx.finalizers.has(finalizer)) await ctx.finalizers.add(finalizer);
  const result = await runner.ensure(ctx.current()).catch((error: unknown) => failedStart(ctx, error));
  if (result === 'restarted') {
    await ctx.events.normal('VMRestarting', 'virtual hardware changed: restarting the VM', 'PowerVM');
  }
  await recordEvents(runner, node.metadata.name, ctx);
  await reportPowered(runner, ctx);
  await rebootForImage(options, ctx);
  await rebootOnRequest(options, ctx);
}

/** Reboots a VM that booted another image than its spec's, during its current run only. */
async function rebootForImage(options: VnodeControllerOptions, ctx: Ctx): Promise<void> {
  const node = ctx.current();
  const snapshot = options.runner.snapshot(node.metadata.name);
  if (snapshot?.phase !== 'running' || !bootedSince(node, snapshot.startedAt)) return;
  await options.rebooter.check(node);
}

/** Hard-reboots a VM once per `walt node reboot` request (annotation walt.dev/reboot-requested-at). */
async function rebootOnRequest(options: VnodeControllerOptions, ctx: Ctx): Promise<void> {
  const node = ctx.current();
  // No VM here (it failed to start): the request waits, and is carried out once the VM runs.
  if (!options.runner.snapshot(node.metadata.name)) return;
  await options.requestRebooter.check(node);
}

export function vnodeController(options: VnodeControllerOptions): ManagedControllerOptions<WaltNode> {
  return {
    name: `agent-vnodes-${options.segment}`,
    resource: RESOURCES.node,
    fieldManager: vnodeFieldManager(options.segment),
    // Reconciles of different nodes run side by side: a slow VM start does not hold the others.
    concurrency: 4,
    reconcile: (node, ctx) => reconcileVnode(options, node, ctx),
  };
}
