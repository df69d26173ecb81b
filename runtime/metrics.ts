// Prometheus metrics of the runtime, in a Registry of their own (two managers in one process, as in
// tests, do not collide), with the default process metrics.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export type ReconcileResult = 'success' | 'requeue' | 'error';

export interface RuntimeMetrics {
  readonly registry: Registry;
  readonly reconcileTotal: Counter<'controller' | 'result'>;
  readonly reconcileDuration: Histogram<'controller'>;
  readonly reconcileErrors: Counter<'controller' | 'code'>;
  readonly leader: Gauge<'identity'>;
  /** Reports `depth()` as walt_workqueue_depth{controller} at each scrape. */
  trackQueueDepth(controller: string, depth: () => number): void;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): RuntimeMetrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const depths = new Map<string, () => number>();
  const reconcileTotal = new Counter({
    name: 'walt_reconcile_total',
    help: 'Reconciles by controller and result (success, requeue, error).',
    labelNames: ['controller', 'result'] as const,
    registers: [registry],
  });
  const reconcileDuration = new Histogram({
    name: 'walt_reconcile_duration_seconds',
    help: 'Time a reconcile took, finalizers and status writes included.',
    labelNames: ['controller'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const reconcileErrors = new Counter({
    name: 'walt_reconcile_errors_total',
    help: 'Failed reconciles by controller and error code (WALT_ERR_… or HTTP status, else "unknown").',
    labelNames: ['controller', 'code'] as const,
    registers: [registry],
  });
  const leader = new Gauge({
    name: 'walt_leader',
    help: '1 while this replica holds the leader lease, else 0.',
    labelNames: ['identity'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'walt_workqueue_depth',
    help: 'Keys waiting in the work queue of each controller.',
    labelNames: ['controller'] as const,
    registers: [registry],
    collect(): void {
      for (const [controller, depth] of depths) this.set({ controller }, depth());
    },
  });
  return {
    registry,
    reconcileTotal,
    reconcileDuration,
    reconcileErrors,
    leader,
    trackQueueDepth(controller: string, depth: () => number): void {
      depths.set(controller, depth);
    },
  };
}
