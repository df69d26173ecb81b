// keep.savedImage: at the end of a run, before the nodes are released, each node's changes (its RAM
// overlay) are saved as a new image through its agent (AgentOperations.saveNode, the same route as
// `walt node save`), pushed to the repository of the experiment's image under the tag <savedImage>
// (one node) or <savedImage>-<node> (several), and a WaltImage of that name is created, pinned to the
// digest pushed (ADR 0022). A WaltImage of that name that another experiment (or a user) made is never
// replaced: the node is not saved (WALT_ERR_EXPERIMENT_SAVE_NAME_TAKEN). Each outcome is written to status.savedImages one node at a time, so an
// operator that restarts saves only the nodes not recorded yet.
// A failed save never holds the nodes nor changes the outcome of the run: the entry says why
// (message), condition ImageSaved turns False (reason SaveFailed) and a Warning event SaveFailed names
// the node; the nodes are then released as usual. savePlan is pure; the rest is I/O.
import * as k8s from '@kubernetes/client-node';
import type { SaveNodeResult } from '../../../api/agent/v1.js';
import {
  API_VERSION,
  RESOURCES,
  type Experiment,
  type ExperimentStatus,
  type WaltImage,
} from '../../../api/v1alpha1/index.js';
import { formatReference, parseReference } from '../../../oci/index.js';
import { createApplier } from '../../../runtime/index.js';
import { describeFailure } from './agent-of-node.js';
import { CONDITION, FIELD_MANAGER, SAVE_TIMEOUT_MS } from './constants.js';
import { ERR_SAVE_NAME_TAKEN, ERR_SAVE_NO_IMAGE, ERR_SAVE_NOT_BOOTED } from './errors.js';
import type { ExperimentRun } from './reconcile-context.js';
import { withCondition } from './state.js';

/** Labels of a saved image: which experiment saved it, from which node. */
export const SAVED_BY_LABEL = 'walt.dev/saved-by-experiment';
export const SAVED_NODE_LABEL = 'walt.dev/saved-node';

export type SavedEntry = NonNullable<ExperimentStatus['savedImages']>[number];

export interface SavedImageStore {
  /** A WaltImage (the experiment's own, where saved images are pushed; a saved one), or undefined. */
  image(namespace: string, name: string): Promise<WaltImage | undefined>;
  /** Creates or replaces a saved node's WaltImage. */
  put(image: WaltImage): Promise<void>;
}

export type PlannedSave =
  | { node: string; image: string; ref: string; insecure: boolean }
  | { node: string; image: string; failure: string };

/** The WaltImage name of `node`'s save: the name itself for one node, "<name>-<node>" for several. */
export function savedImageName(base: string, node: string, nodes: number): string {
  return nodes === 1 ? base : `${base}-${node}`;
}

/**
 * What to save (pure): every node the run claimed that no status.savedImages entry names yet; a node
 * not Ready gets a failure, as do all of them when the experiment's WaltImage is gone.
 */
export function savePlan(
  exp: Pick<Experiment, 'spec' | 'status'>,
  source: WaltImage | undefined,
  namespace: string,
): PlannedSave[] {
  const base = exp.spec.keep?.savedImage;
  const nodes = exp.status?.nodes ?? [];
  if (!base) return [];
  const done = new Set((exp.status?.savedImages ?? []).map((s) => s.node));
  return nodes
    .filter((n) => !done.has(n.name))
    .map((n): PlannedSave => {
      const image = savedImageName(base, n.name, nodes.length);
      if (n.phase !== 'Ready') return { node: n.name, image, failure: ERR_SAVE_NOT_BOOTED(n.name).message };
      if (!source)
        return { node: n.name, image, failure: ERR_SAVE_NO_IMAGE(`${namespace}/${exp.spec.image}`).message };
      try {
        const { registry, repository } = parseReference(source.spec.ref);
        const ref = formatReference({ registry, repository, tag: image });
        return { node: n.name, image, ref, insecure: source.spec.insecureRegistry ?? false };
      } catch (error) {
        return { node: n.name, image, failure: describeFailure(error) };
      }
    });
}

/** The WaltImage of a saved node: pinned to the digest pushed, with the source's access settings (pure). */
export function savedImageObject(
  exp: Experiment,
  source: WaltImage,
  saved: { node: string; name: string },
  answer: SaveNodeResult,
): WaltImage {
  const { node, name } = saved;
  const { registry, repository } = parseReference(answer.ref);
  const spec: WaltImage['spec'] = {
    ref: formatReference({ registry, repository, digest: answer.digest }),
    insecureRegistry: source.spec.insecureRegistry ?? false,
    recheck: { policy: 'Never', interval: '1h' },
  };
  if (source.spec.pullSecret) spec.pullSecret = { ...source.spec.pullSecret };
  if (source.spec.models) spec.models = [...source.spec.models];
  return {
    apiVersion: API_VERSION,
    kind: RESOURCES.image.kind,
    metadata: {
      name,
      namespace: exp.metadata.namespace,
      labels: { [SAVED_BY_LABEL]: exp.metadata.name, [SAVED_NODE_LABEL]: node },
    },
    spec,
  };
}

async function saveOne(
  run: ExperimentRun,
  source: WaltImage,
  plan: Extract<PlannedSave, { ref: string }>,
): Promise<SavedEntry> {
  const taken = await run.deps.savedImages.image(run.ref.namespace, plan.image);
  if (taken && taken.metadata.labels?.[SAVED_BY_LABEL] !== run.ref.name)
    throw ERR_SAVE_NAME_TAKEN(`${run.ref.namespace}/${plan.image}`);
  const agent = await run.deps.agents.forNode(plan.node);
  const answer = await agent.saveNode(
    plan.node,
    { ref: plan.ref, insecure: plan.insecure },
    AbortSignal.timeout(SAVE_TIMEOUT_MS),
  );
  await run.deps.savedImages.put(
    savedImageObject(run.exp, source, { node: plan.node, name: plan.image }, answer),
  );
  return {
    node: plan.node,
    image: plan.image,
    ref: answer.ref,
    digest: answer.digest,
    layerBytes: answer.layerBytes,
    changeBytes: answer.changeBytes,
  };
}

/** The ImageSaved condition once every node has an entry (pure). */
export function savedCondition(entries: readonly SavedEntry[]): {
  status: 'True' | 'False';
  reason: string;
  message: string;
} {
  const failed = entries.filter((e) => e.message !== undefined);
  if (!failed.length)
    return { status: 'True', reason: 'Saved', message: `saved ${entries.map((e) => e.image).join(', ')}` };
  const nodes = failed.map((e) => e.node).join(', ');
  return { status: 'False', reason: 'SaveFailed', message: `not saved: ${nodes} (status.savedImages)` };
}

/**
 * keep.savedImage: saves each node not saved yet, recording each outcome in status as it comes; then
 * sets ImageSaved. Never throws for a node's failure (recorded); throws only when status cannot be written.
 */
export async function saveNodes(run: ExperimentRun): Promise<void> {
  if (!run.exp.spec.keep?.savedImage) return;
  const namespace = run.ref.namespace;
  const source = await run.deps.savedImages.image(namespace, run.exp.spec.image);
  const plans = savePlan(run.exp, source, namespace);
  if (!plans.length) return;
  for (const plan of plans) {
    let entry: SavedEntry;
    if ('failure' in plan) entry = { node: plan.node, image: plan.image, message: plan.failure };
    else {
      try {
        entry = await saveOne(run, source!, plan);
        await run.event('Normal', 'ImageSaved', `${plan.node} saved as ${plan.image} (${entry.digest})`);
      } catch (error) {
        entry = { node: plan.node, image: plan.image, message: describeFailure(error) };
      }
    }
    if (entry.message !== undefined)
      await run.event('Warning', 'SaveFailed', `${plan.node}: ${entry.message}`);
    await run.commit({ ...run.status, savedImages: [...(run.status.savedImages ?? []), entry] });
  }
  const condition = { type: CONDITION.ImageSaved, ...savedCondition(run.status.savedImages ?? []) };
  await run.commit(withCondition(run.status, condition, run.clock()));
}

export function createSavedImageStore(kc: k8s.KubeConfig, read: SavedImageStore['image']): SavedImageStore {
  const applier = createApplier(kc, FIELD_MANAGER);
  return {
    image: read,
    async put(image) {
      await applier.apply(image);
    },
  };
}
