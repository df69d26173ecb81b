// The Experiment controller: claims nodes, boots the experiment's image on them, runs the steps and
// releases the nodes (phases in state.ts). Two controllers on the manager: "experiment" reconciles
// Experiments (finalizer experiment.walt.dev/release releases the nodes on deletion, aborting a
// running step); "experiment-nodes" watches WaltNodes — its cache is the node view of the first — and
// re-queues the experiments a node change concerns (waiting for nodes, or holding that node).
import type * as k8s from '@kubernetes/client-node';
import type { AgentOperations } from '../../../api/agent/v1.js';
import { RESOURCES, type Experiment, type WaltNode } from '../../../api/v1alpha1/index.js';
import type { Logger } from '../../../common/logger.js';
import {
  type Controller,
  describeError,
  keyOf,
  type Manager,
  type ReconcileContext,
  type ReconcileOutcome,
} from '../../../runtime/index.js';
import { acquire, start } from './phase-acquiring.js';
import { agentResolver, type AgentFor } from './agent-of-node.js';
import { booting } from './phase-booting.js';
import { createConfigMapStore, type ConfigMapStore } from './configmaps.js';
import { FIELD_MANAGER, PLATFORM_ISSUER, PLATFORM_STREAM, RELEASE_FINALIZER } from './constants.js';
import { createNodeOps, type NodeOps } from './node-ops.js';
import { createRecordSources, type RecordSources } from './records.js';
import { createSavedImageStore, type SavedImageStore } from './saved-images.js';
import { softwareVersion } from '../../../common/version.js';
import { release, releaseOnDelete } from './release.js';
import { ExperimentRun, type ControllerDeps } from './reconcile-context.js';
import { running } from './phase-running.js';
import { TaskRegistry } from './tasks.js';

export interface ExperimentControllerOptions {
  kc: k8s.KubeConfig;
  logger: Logger;
  /** The agent API of a segment; without it run, copy and checkpoint steps fail (WALT_ERR_EXPERIMENT_NO_AGENT). */
  agentFor?: AgentFor;
  /** Reconcile the Experiments of one namespace only. */
  namespace?: string;
  now?: () => number;
  /** Test seams. */
  nodeOps?: NodeOps;
  configMaps?: ConfigMapStore;
  records?: RecordSources;
  savedImages?: SavedImageStore;
  /** The version recorded in status.operatorVersion (default: this software's, common/version.ts). */
  version?: string;
}

export interface ExperimentControllers {
  experiments: Controller<Experiment>;
  nodes: Controller<WaltNode>;
  tasks: TaskRegistry;
}

export function reconcileExperiment(run: ExperimentRun): Promise<ReconcileOutcome> {
  switch (run.status.phase ?? 'Pending') {
    case 'Pending':
      return start(run);
    case 'Acquiring':
      return acquire(run);
    case 'Booting':
      return booting(run);
    case 'Running':
      return running(run);
    case 'Releasing':
      return release(run);
    default:
      return Promise.resolve(undefined); // Succeeded, Failed: done, nodes released
  }
}

/** Whether a change of `node` may let `exp` go on: it waits for nodes, or it holds this one. */
export function concerns(exp: Experiment, node: WaltNode): boolean {
  const phase = exp.status?.phase;
  if (phase === 'Acquiring' || phase === 'Pending') return true;
  return (
    (exp.status?.nodes ?? []).some((n) => n.name === node.metadata.name) &&
    phase !== 'Succeeded' &&
    phase !== 'Failed'
  );
}

function platformLogger(agentFor: AgentFor | undefined, logger: Logger): ControllerDeps['platformLog'] {
  return (segments, line) => {
    if (!agentFor) return;
    const lines = [{ ts: new Date().toISOString(), issuer: PLATFORM_ISSUER, stream: PLATFORM_STREAM, line }];
    for (const segment of segments) {
      agentFor(segment)
        .then((agent: AgentOperations) => agent.appendLogs(lines))
        .catch((error: unknown) =>
          logger.warn({ segment, err: describeError(error) }, 'could not append a platform log line'),
        );
    }
  };
}

/** Adds the Experiment controller (and its WaltNode watcher) to `manager`. */
export function registerExperimentController(
  manager: Manager,
  options: ExperimentControllerOptions,
): ExperimentControllers {
  const tasks = new TaskRegistry(options.now);
  // Each controller needs the other: the node watcher re-queues experiments, which read the node cache.
  const late: { experiments?: Controller<Experiment> } = {};
  const nodes = manager.addController<WaltNode>({
    name: 'experiment-nodes',
    resource: RESOURCES.node,
    fieldManager: FIELD_MANAGER,
    reconcile: (node) => {
      for (const exp of experiments?.informer.list() ?? [])
        if (concerns(exp, node)) experiments?.enqueue(keyOf(exp));
      return Promise.resolve(undefined);
    },
  });
  const node = (name: string): WaltNode | undefined => nodes.informer.get(name);
  const records = options.records ?? createRecordSources(options.kc);
  const deps: ControllerDeps = {
    nodeOps: options.nodeOps ?? createNodeOps(options.kc),
    nodes: () => nodes.informer.list(),
    node,
    agents: agentResolver(options.agentFor, (name) => node(name)?.spec.segment ?? 'unknown'),
    hasAgents: options.agentFor !== undefined,
    configMaps: options.configMaps ?? createConfigMapStore(options.kc),
    tasks,
    requested: new Map(),
    enqueue: (key) => late.experiments?.enqueue(key),
    now: options.now ?? Date.now,
    platformLog: platformLogger(options.agentFor, options.logger),
    records,
    version: options.version ?? softwareVersion(),
    savedImages:
      options.savedImages ?? createSavedImageStore(options.kc, (ns, name) => records.image(ns, name)),
  };
  const runOf = (ctx: ReconcileContext<Experiment>): ExperimentRun => new ExperimentRun(ctx, deps);
  const experiments = manager.addController<Experiment>({
    name: 'experiment',
    resource: RESOURCES.experiment,
    fieldManager: FIELD_MANAGER,
    concurrency: 4,
    ...(options.namespace ? { namespace: options.namespace } : {}),
    finalizer: { name: RELEASE_FINALIZER, finalize: (_exp, ctx) => releaseOnDelete(runOf(ctx)) },
    reconcile: (_exp, ctx) => reconcileExperiment(runOf(ctx)),
  });
  late.experiments = experiments;
  return { experiments, nodes, tasks };
}
