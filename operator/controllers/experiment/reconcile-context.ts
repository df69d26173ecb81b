// One reconcile of one experiment: the object as last written, its context and the controller's
// dependencies, with the few helpers every phase uses (clock, status commit, events, platform log).
import type { Experiment, ExperimentStatus, WaltNode } from '../../../api/v1alpha1/index.js';
import { experimentStepStream } from '../../../api/v1alpha1/index.js';
import { keyOf, type ReconcileContext } from '../../../runtime/index.js';
import type { AgentResolver } from './agent-of-node.js';
import type { ExperimentRef } from './claims.js';
import type { ConfigMapStore } from './configmaps.js';
import type { NodeOps } from './node-ops.js';
import type { RecordSources } from './records.js';
import type { SavedImageStore } from './saved-images.js';
import type { Clock } from './state.js';
import { fitStatus } from './status-budget.js';
import type { TaskRegistry } from './tasks.js';

export interface ControllerDeps {
  nodeOps: NodeOps;
  /** The WaltNode cache. */
  nodes(): WaltNode[];
  node(name: string): WaltNode | undefined;
  agents: AgentResolver;
  /** Whether an agent client is configured at all (soft reboots need one). */
  hasAgents: boolean;
  configMaps: ConfigMapStore;
  tasks: TaskRegistry;
  /** Boot requests this process made (node → ms): fresher than a cache that has not seen them yet. */
  requested: Map<string, number>;
  enqueue(key: string): void;
  now(): number;
  /** Appends a line to the platform log of the agents of `segments`; never throws. */
  platformLog(segments: readonly string[], line: string): void;
  /** What the run records of each node (records.ts). */
  records: RecordSources;
  /** The operator's version, recorded in status.operatorVersion. */
  version: string;
  /** keep.savedImage: creates the WaltImages of saved nodes (saved-images.ts). */
  savedImages: SavedImageStore;
}

export class ExperimentRun {
  constructor(
    private readonly ctx: ReconcileContext<Experiment>,
    readonly deps: ControllerDeps,
  ) {}

  get exp(): Experiment {
    return this.ctx.current();
  }

  get status(): ExperimentStatus {
    return this.exp.status ?? {};
  }

  get ref(): ExperimentRef {
    return { namespace: this.exp.metadata.namespace ?? '', name: this.exp.metadata.name };
  }

  get key(): string {
    return keyOf(this.exp);
  }

  get uid(): string {
    return this.exp.metadata.uid ?? this.key;
  }

  /** "<namespace>/<WaltImage>": what spec.image of the nodes becomes. */
  get wanted(): string {
    return `${this.ref.namespace}/${this.exp.spec.image}`;
  }

  get logger(): ReconcileContext<Experiment>['logger'] {
    return this.ctx.logger;
  }

  clock(): Clock {
    return { generation: this.exp.metadata.generation, now: new Date(this.deps.now()) };
  }

  claimedNodes(): string[] {
    return (this.status.nodes ?? []).map((n) => n.name);
  }

  /** Writes `next`, fitted to the status size budget, unless it is what is there already. */
  async commit(next: ExperimentStatus): Promise<void> {
    const { namespace, name } = this.ref;
    const fitted = fitStatus(next, (step) => experimentStepStream(namespace, name, step));
    if (sameJson(fitted, this.status)) return;
    await this.ctx.status.apply(JSON.parse(JSON.stringify(fitted)) as Record<string, unknown>);
  }

  async event(type: 'Normal' | 'Warning', reason: string, note: string): Promise<void> {
    await (type === 'Normal' ? this.ctx.events.normal(reason, note) : this.ctx.events.warning(reason, note));
  }

  /** "experiment ns/name: <text>" in platform.experiments on the agents of the experiment's nodes. */
  log(text: string, nodes: readonly string[] = this.claimedNodes()): void {
    const segments = new Set<string>();
    for (const name of nodes) {
      const segment = this.deps.node(name)?.spec.segment;
      if (segment) segments.add(segment);
    }
    this.deps.platformLog([...segments].sort(), `experiment ${this.key}: ${text}`);
  }
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, canonical(v)]));
}

/** Equal as JSON, whatever the key order (pure). */
export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}
