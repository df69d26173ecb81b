// The segment-agents controller (ADR 0013): for each WaltSegment, server-side applies its agents'
// identity, Service and DaemonSet (render.ts), owned by the segment, and reports the DaemonSet's
// state as the segment's AgentsReady condition. Registered only when the operator knows the agent
// image (WALT_AGENT_IMAGE). No finalizer: the garbage collector removes the children with the segment.
// Drift (someone edits or deletes a child) is undone at the next reconcile: every minute while
// ready, every 10 s while not, and on every change of the segment.
import type * as k8s from '@kubernetes/client-node';
import { AGENTS_READY_CONDITION } from '../../../api/agent/workload.js';
import { RESOURCES, type WaltSegment } from '../../../api/v1alpha1/index.js';
import { isWaltError } from '../../../common/errors.js';
import {
  type Applier,
  type ConditionInput,
  createApplier,
  getCondition,
  type ManagedControllerOptions,
  messageOf,
  type ReconcileContext,
  type ReconcileOutcome,
  setCondition,
} from '../../../runtime/index.js';
import { agentsReady } from './agents-ready.js';
import type { AgentDeployConfig } from './config.js';
import { SegmentNameUnfit } from './errors.js';
import { renderSegmentAgents } from './render.js';

/** The controller's name; its field manager is walt-segment-agents. */
export const SEGMENT_AGENTS_CONTROLLER = 'segment-agents';
export const SEGMENT_AGENTS_FIELD_MANAGER = `walt-${SEGMENT_AGENTS_CONTROLLER}`;

const READY_RECHECK_MS = 60_000;
const NOT_READY_RECHECK_MS = 10_000;

export interface SegmentAgentsControllerOptions {
  kc: k8s.KubeConfig;
  config: AgentDeployConfig;
}

/** Writes our one condition (the others, e.g. Ready, belong to other field managers). */
async function report(
  segment: WaltSegment,
  ctx: ReconcileContext<WaltSegment>,
  input: ConditionInput,
): Promise<void> {
  const previous = getCondition(segment.status?.conditions, AGENTS_READY_CONDITION);
  const [condition] = setCondition(previous ? [previous] : [], input, segment.metadata.generation);
  await ctx.status.apply({ conditions: [condition] });
  if (previous?.status === input.status && previous.reason === input.reason) return;
  if (input.status === 'True') await ctx.events.normal(input.reason, input.message);
  else await ctx.events.warning(input.reason, input.message);
}

/**
 * Applies the objects in order. The DaemonSet (last) is rendered again with the cluster IP the
 * Service was given, so that the agent publishes an API URL that needs no cluster DNS.
 */
async function applyAll(
  applier: Applier,
  objects: readonly k8s.KubernetesObject[],
  renderWithServiceIp: (ip: string) => readonly k8s.KubernetesObject[],
): Promise<k8s.V1DaemonSet> {
  let serviceIp: string | undefined;
  for (const object of objects) {
    if (object.kind === 'DaemonSet') {
      const final = serviceIp ? renderWithServiceIp(serviceIp).at(-1)! : object;
      return applier.apply(final);
    }
    const applied = await applier.apply(object);
    const ip = object.kind === 'Service' ? (applied as k8s.V1Service).spec?.clusterIP : undefined;
    if (ip && ip !== 'None') serviceIp = ip;
  }
  throw new Error('the rendered objects hold no DaemonSet');
}

async function reconcile(
  segment: WaltSegment,
  ctx: ReconcileContext<WaltSegment>,
  options: SegmentAgentsControllerOptions,
  applier: Applier,
): Promise<ReconcileOutcome> {
  const type = AGENTS_READY_CONDITION;
  let objects: k8s.KubernetesObject[];
  try {
    objects = renderSegmentAgents(segment, options.config);
  } catch (error) {
    if (!isWaltError(error, SegmentNameUnfit)) throw error;
    // Retrying cannot help: the name is the user's to change.
    await report(segment, ctx, { type, status: 'False', reason: 'InvalidName', message: error.message });
    return undefined;
  }
  let daemonSet: k8s.V1DaemonSet;
  try {
    daemonSet = await applyAll(applier, objects, (ip) => renderSegmentAgents(segment, options.config, ip));
  } catch (error) {
    const message = `could not apply the agents' objects: ${messageOf(error).slice(0, 1024)}`;
    await report(segment, ctx, { type, status: 'False', reason: 'ApplyFailed', message });
    throw error;
  }
  const condition = agentsReady(segment.metadata.name, daemonSet);
  await report(segment, ctx, condition);
  return { requeueAfterMs: condition.status === 'True' ? READY_RECHECK_MS : NOT_READY_RECHECK_MS };
}

export function segmentAgentsController(
  options: SegmentAgentsControllerOptions,
): ManagedControllerOptions<WaltSegment> {
  const applier = createApplier(options.kc, SEGMENT_AGENTS_FIELD_MANAGER);
  return {
    name: SEGMENT_AGENTS_CONTROLLER,
    resource: RESOURCES.segment,
    reconcile: (segment, ctx) => reconcile(segment, ctx, options, applier),
  };
}
