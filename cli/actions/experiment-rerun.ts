// `walt experiment rerun <name> [--as <new-name>]`: a copy of an Experiment pinned to what its nodes
// ran. Its status records, per node, the image digest the node's agent served it (status.nodes[].image,
// operator/controllers/experiment/records.ts); the copy boots a WaltImage of its own whose reference is
// that digest ("<repository>@sha256:…", recheck Never), so moving the original's tag since changes
// nothing. It claims the same nodes by name (the nodes the original claimed, whatever its selector) and
// runs the same steps; keep.savedImage is dropped (the copy would overwrite the original's saved
// images). The pinned WaltImage takes the copy's name, carries the labels walt.dev/rerun-of and
// walt.dev/experiment, and is owned by the copy: deleting the copy deletes it. A node whose model or
// settings changed since is reported, not refused (the record says what they were). planRerun is pure.
import { defineError } from '../../common/errors.js';
import {
  API_VERSION,
  MAX_CLAIMED_NAMES,
  RESOURCES,
  type Experiment,
  type WaltImage,
  type WaltNode,
} from '../../api/v1alpha1/index.js';
import { ERR_CLI_ALREADY_EXISTS, ERR_CLI_EXPERIMENT_FAILED, ERR_CLI_NOT_FOUND } from '../../client/errors.js';
import { formatReference, parseReference } from '../../oci/index.js';
import type { CliContext } from '../context.js';
import { parseTimeout } from '../timeout.js';
import { DEFAULT_EXPERIMENT_TIMEOUT, waitForEnd } from './experiment-run.js';

export const RERUN_OF_LABEL = 'walt.dev/rerun-of';
export const EXPERIMENT_LABEL = 'walt.dev/experiment';

export const ERR_CLI_RERUN_NOT_RECORDED = defineError(
  'WALT_ERR_CLI_RERUN_NOT_RECORDED',
  (name: string, what: string) =>
    `experiment ${name} has no record of ${what} (it never had a node Ready, or it ran before the ` +
    'operator recorded digests): run it again with walt experiment run, then rerun that one',
  409,
);

export const ERR_CLI_RERUN_MIXED = defineError(
  'WALT_ERR_CLI_RERUN_MIXED',
  (name: string, digests: string) =>
    `the nodes of experiment ${name} booted different digests (${digests}): its image's tag moved while ` +
    'they booted, and one rerun boots one image; create one experiment per digest by hand',
  409,
);

export const ERR_CLI_RERUN_TOO_MANY = defineError(
  'WALT_ERR_CLI_RERUN_TOO_MANY',
  (name: string, count: number) =>
    `experiment ${name} ran on ${count} nodes, more than the ${MAX_CLAIMED_NAMES} an experiment may ` +
    'claim by name: rerun it with a selector by hand',
  400,
);

export interface ExperimentRerunOptions {
  as?: string;
  wait?: boolean;
  timeout?: string;
}

export interface RerunPlan {
  experiment: Experiment;
  image: WaltImage;
  /** The pinned reference (repository@digest). */
  ref: string;
  nodes: string[];
}

type NodeRecord = NonNullable<NonNullable<Experiment['status']>['nodes']>[number];

/** The one digest every recorded node booted, or a coded error (pure). */
function recordedDigest(exp: Experiment, full: string): string {
  const records = exp.status?.nodes ?? [];
  const digests = records.map((n) => n.image?.digest);
  const known = [...new Set(digests.filter((d) => d !== undefined))];
  if (!known.length || known.length < new Set(digests).size)
    throw ERR_CLI_RERUN_NOT_RECORDED(full, 'the image digest each node booted');
  if (known.length > 1) throw ERR_CLI_RERUN_MIXED(full, known.join(', '));
  return known[0]!;
}

/** The one digest (and reference) every recorded node booted, or a coded error (pure). */
function recordedImage(exp: Experiment, source: WaltImage | undefined): { ref: string; digest: string } {
  const full = `${exp.metadata.namespace}/${exp.metadata.name}`;
  const digest = recordedDigest(exp, full);
  const ref = exp.status?.nodes?.find((n) => n.image?.ref)?.image?.ref ?? source?.spec.ref;
  if (!ref) throw ERR_CLI_RERUN_NOT_RECORDED(full, 'the image reference (and its WaltImage is gone)');
  return { ref, digest };
}

/** The copy of `exp` named `name`, pinned to the digest its nodes booted (pure). */
export function planRerun(exp: Experiment, source: WaltImage | undefined, name: string): RerunPlan {
  const namespace = exp.metadata.namespace!;
  const recorded = recordedImage(exp, source);
  const { registry, repository } = parseReference(recorded.ref);
  const ref = formatReference({ registry, repository, digest: recorded.digest });
  const nodes = (exp.status?.nodes ?? []).map((n) => n.name).sort();
  if (nodes.length > MAX_CLAIMED_NAMES)
    throw ERR_CLI_RERUN_TOO_MANY(`${namespace}/${exp.metadata.name}`, nodes.length);
  const labels = { [RERUN_OF_LABEL]: exp.metadata.name, [EXPERIMENT_LABEL]: name };
  const imageSpec: WaltImage['spec'] = {
    ref,
    insecureRegistry: source?.spec.insecureRegistry ?? false,
    recheck: { policy: 'Never', interval: '1h' },
  };
  if (source?.spec.pullSecret) imageSpec.pullSecret = { ...source.spec.pullSecret };
  if (source?.spec.models) imageSpec.models = [...source.spec.models];
  const keep = { ...exp.spec.keep };
  delete keep.savedImage;
  const spec: Experiment['spec'] = { ...exp.spec, image: name, nodes: { names: nodes }, keep };
  return {
    ref,
    nodes,
    image: {
      apiVersion: API_VERSION,
      kind: RESOURCES.image.kind,
      metadata: { name, namespace, labels },
      spec: imageSpec,
    },
    experiment: {
      apiVersion: API_VERSION,
      kind: RESOURCES.experiment.kind,
      metadata: { name, namespace, labels: { [RERUN_OF_LABEL]: exp.metadata.name } },
      spec,
    },
  };
}

/** What changed on a node since the record: its model, its settings (pure; [] when nothing). */
export function drift(record: NodeRecord, node: WaltNode | undefined): string[] {
  if (!node) return [`${record.name}: the WaltNode is gone`];
  const notes: string[] = [];
  if (record.model && record.model !== node.spec.model)
    notes.push(`${record.name}: model ${node.spec.model}, was ${record.model}`);
  const settings = node.spec.settings as unknown as Record<string, unknown>;
  for (const [key, was] of Object.entries(record.settings ?? {})) {
    if (JSON.stringify(settings[key]) !== JSON.stringify(was))
      notes.push(
        `${record.name}: settings.${key} ${JSON.stringify(settings[key])}, was ${JSON.stringify(was)}`,
      );
  }
  return notes;
}

async function create(ctx: CliContext, plan: RerunPlan): Promise<Experiment> {
  const { name, namespace } = plan.experiment.metadata;
  await ctx.client.create<WaltImage>(RESOURCES.image, plan.image);
  let created: Experiment;
  try {
    created = await ctx.client.create<Experiment>(RESOURCES.experiment, plan.experiment);
  } catch (error) {
    await ctx.client.remove(RESOURCES.image, name, namespace).catch(() => undefined);
    throw error;
  }
  const owner = {
    apiVersion: API_VERSION,
    kind: RESOURCES.experiment.kind,
    name,
    uid: created.metadata.uid!,
    blockOwnerDeletion: false,
  };
  await ctx.client.mergePatch(
    RESOURCES.image,
    { name, namespace },
    { metadata: { ownerReferences: [owner] } },
  );
  return created;
}

/** Refuses a name already taken by an experiment or an image. */
async function checkFree(ctx: CliContext, name: string): Promise<void> {
  for (const [resource, what] of [
    [RESOURCES.experiment, 'experiment'],
    [RESOURCES.image, 'image'],
  ] as const) {
    if (await ctx.client.get(resource, name, ctx.namespace))
      throw ERR_CLI_ALREADY_EXISTS(`${what} ${ctx.namespace}/${name} (pass --as <new-name>)`);
  }
}

/** Notes (stderr) on what changed since the record, and on what the copy leaves out. */
async function notes(ctx: CliContext, exp: Experiment): Promise<void> {
  for (const record of exp.status?.nodes ?? []) {
    const node = await ctx.client.get<WaltNode>(RESOURCES.node, record.name);
    for (const note of drift(record, node)) ctx.io.err(`note: ${note}\n`);
  }
  const saved = exp.spec.keep?.savedImage;
  if (saved) ctx.io.err(`note: keep.savedImage is not copied (the rerun would overwrite ${saved})\n`);
}

export async function experimentRerun(
  ctx: CliContext,
  name: string,
  options: ExperimentRerunOptions,
): Promise<void> {
  const timeoutMs = parseTimeout(options.timeout ?? DEFAULT_EXPERIMENT_TIMEOUT);
  const { namespace } = ctx;
  const exp = await ctx.client.get<Experiment>(RESOURCES.experiment, name, namespace);
  if (!exp) throw ERR_CLI_NOT_FOUND(`experiment ${namespace}/${name}`);
  const newName = options.as ?? `${name}-rerun`;
  const source = await ctx.client.get<WaltImage>(RESOURCES.image, exp.spec.image, namespace);
  const plan = planRerun(exp, source, newName);
  await checkFree(ctx, newName);
  await notes(ctx, exp);
  await create(ctx, plan);
  ctx.io.out(
    `experiment ${namespace}/${newName} created: rerun of ${name} on ${plan.nodes.join(', ')}, ` +
      `image pinned to ${plan.ref}\n`,
  );
  if (!options.wait) return;
  const done = await waitForEnd(ctx, plan.experiment, { timeoutMs });
  if (done.status?.phase === 'Failed') {
    const message = done.status.message ?? 'see walt experiment show -o yaml';
    throw ERR_CLI_EXPERIMENT_FAILED(`${namespace}/${newName}`, message);
  }
}
