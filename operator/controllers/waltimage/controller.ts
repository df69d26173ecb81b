// The WaltImage controller (operator side): resolves the reference to a digest, reads the node models
// and size from the registry, follows a moving tag when the re-check policy says so, and derives the
// Pulled / Unpacked / Ready conditions from what the boot agents report per segment, with Reconciling
// and Stalled for GitOps tools (api/kstatus/image.ts).
import type * as k8s from '@kubernetes/client-node';
import { RESOURCES, type WaltImage, type WaltImageStatus } from '../../../api/v1alpha1/index.js';
import {
  clientForImage,
  type ImageInspection,
  inspectImage,
  isTransient,
  type SecretReader,
} from '../../../oci/index.js';
import {
  type Condition,
  type ConditionInput,
  getCondition,
  type ManagedControllerOptions,
  messageOf,
  reasonOf,
  type ReconcileContext,
  type ReconcileOutcome,
  rfc3339,
  setCondition,
} from '../../../runtime/index.js';
import { imageSummary, READY, STALLED } from '../../../api/kstatus/index.js';
import { aggregate } from './aggregate.js';
import { recheckDecision, type RecheckDecision } from './recheck.js';
import { parseDurationMs } from '../../../common/duration.js';

/** How long to wait before trying again after a failure that retrying soon will not fix. */
const PERMANENT_FAILURE_RETRY_MS = 5 * 60_000;

export interface WaltImageControllerOptions {
  readSecret: SecretReader;
  now?: () => number;
  kc?: k8s.KubeConfig;
}

type Resolution =
  { inspection: ImageInspection; condition: ConditionInput } | { error: unknown; condition: ConditionInput };

async function resolve(image: WaltImage, options: WaltImageControllerOptions): Promise<Resolution> {
  try {
    const client = await clientForImage(image, options.readSecret);
    const inspection = await inspectImage(client, image.spec.ref, image.spec.models);
    if (inspection.models.length === 0) {
      const unknown = inspection.unknownModels.length
        ? ` (unknown models: ${inspection.unknownModels.join(', ')})`
        : '';
      const message = `the image has no label walt.node.models naming a known node model${unknown}: add the label to the image or set spec.models`;
      return { inspection, condition: { type: 'Resolved', status: 'False', reason: 'NoModels', message } };
    }
    const message = `${image.spec.ref} resolved to ${inspection.digest}`;
    return { inspection, condition: { type: 'Resolved', status: 'True', reason: 'Resolved', message } };
  } catch (error) {
    return {
      error,
      condition: { type: 'Resolved', status: 'False', reason: reasonOf(error), message: messageOf(error) },
    };
  }
}

async function announce(
  image: WaltImage,
  resolution: Resolution,
  ctx: ReconcileContext<WaltImage>,
): Promise<void> {
  const previous = image.status?.digest;
  if ('error' in resolution) return ctx.events.warning('ResolveFailed', resolution.condition.message);
  const { digest, models } = resolution.inspection;
  if (previous && previous !== digest) {
    return ctx.events.normal('TagMoved', `${image.spec.ref} moved from ${previous} to ${digest}`);
  }
  if (!previous)
    return ctx.events.normal(
      'Resolved',
      `${image.spec.ref} resolved to ${digest} (models ${models.join(', ')})`,
    );
}

/** The resolution fields of the status: fresh from an inspection, else carried over (apply owns them). */
function resolvedFields(
  status: WaltImageStatus,
  inspection: ImageInspection | undefined,
  now: Date,
): Partial<WaltImageStatus> {
  if (inspection) {
    return {
      digest: inspection.digest,
      resolvedAt: rfc3339(now),
      models: inspection.models,
      size: inspection.size,
    };
  }
  const { digest, resolvedAt, models, size } = status;
  return JSON.parse(JSON.stringify({ digest, resolvedAt, models, size })) as Partial<WaltImageStatus>;
}

/** The status fields the operator owns, from a fresh resolution or the last Resolved condition. */
function operatorStatus(
  image: WaltImage,
  latest: Resolution | ConditionInput,
  now: Date,
): Record<string, unknown> {
  const resolved = 'condition' in latest ? latest.condition : latest;
  const inspection = 'inspection' in latest ? latest.inspection : undefined;
  const status = image.status ?? {};
  const generation = image.metadata.generation;
  const fields = resolvedFields(status, inspection, now);
  const summary = aggregate(resolved, fields.digest, status.segments ?? []);
  const ready = summary.conditions.find((c) => c.type === READY) ?? resolved;
  // A failure read back from the last Resolved condition keeps the verdict it was given when fresh.
  const transient =
    'error' in latest
      ? isTransient(latest.error)
      : getCondition(status.conditions, STALLED)?.status !== 'True';
  const gitops = imageSummary({ resolved, ready, transient });
  const conditions = [...summary.conditions, ...gitops].reduce<Condition[]>(
    (list, c) => setCondition(list, c, generation, now),
    status.conditions ?? [],
  );
  return {
    observedGeneration: generation,
    ...fields,
    ...(summary.progress ? { progress: summary.progress } : {}),
    conditions,
  };
}

function decide(image: WaltImage, lastResolved: Condition | undefined, now: number): RecheckDecision {
  const status = image.status ?? {};
  return recheckDecision(
    {
      generation: image.metadata.generation ?? 0,
      resolvedGeneration: lastResolved?.status === 'True' ? lastResolved.observedGeneration : undefined,
      resolvedAt: status.resolvedAt,
      digest: status.digest,
      policy: image.spec.recheck.policy,
      // The CRD schema guarantees the form and a minimum of 1m.
      intervalMs: parseDurationMs(image.spec.recheck.interval) ?? 3_600_000,
      pinned: image.spec.ref.includes('@'),
    },
    now,
  );
}

function outcome(resolution: Resolution | undefined, decision: RecheckDecision): ReconcileOutcome {
  if (resolution && 'error' in resolution) {
    // Transient registry trouble: let the queue retry with back-off; otherwise look again later.
    if (isTransient(resolution.error)) throw resolution.error;
    return { requeueAfterMs: PERMANENT_FAILURE_RETRY_MS };
  }
  return decision.nextCheckInMs === undefined ? undefined : { requeueAfterMs: decision.nextCheckInMs };
}

const PENDING: ConditionInput = {
  type: 'Resolved',
  status: 'Unknown',
  reason: 'Pending',
  message: 'not resolved yet',
};

async function reconcile(
  image: WaltImage,
  ctx: ReconcileContext<WaltImage>,
  options: WaltImageControllerOptions,
): Promise<ReconcileOutcome> {
  const now = options.now?.() ?? Date.now();
  const lastResolved = getCondition(image.status?.conditions, 'Resolved');
  const decision = decide(image, lastResolved, now);
  const resolution = decision.resolveNow ? await resolve(image, options) : undefined;
  if (resolution) await announce(image, resolution, ctx);
  await ctx.status.apply(operatorStatus(image, resolution ?? lastResolved ?? PENDING, new Date(now)));
  return outcome(resolution, decision);
}

export function waltImageController(
  options: WaltImageControllerOptions,
): ManagedControllerOptions<WaltImage> {
  return {
    name: 'waltimage',
    resource: RESOURCES.image,
    concurrency: 2,
    reconcile: (image, ctx) => reconcile(image, ctx, options),
  };
}
