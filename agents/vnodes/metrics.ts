// Prometheus metrics of the virtual nodes: VM starts by reason (power-on, reboot, crash, reset: a
// rising crash count is the alarm) and which VMs run now.
import { Counter, Gauge, type Registry } from 'prom-client';

export interface VnodeMetrics {
  starts: Counter<'node' | 'reason'>;
  running: Gauge<'node'>;
}

export function vnodeMetrics(registry: Registry): VnodeMetrics {
  // Several services in one process (tests) share a registry: reuse what is registered.
  const starts =
    (registry.getSingleMetric('walt_vnode_starts_total') as Counter<'node' | 'reason'> | undefined) ??
    new Counter({
      name: 'walt_vnode_starts_total',
      help: 'qemu starts of virtual nodes, by node and reason (power-on, reboot, crash, reset).',
      labelNames: ['node', 'reason'] as const,
      registers: [registry],
    });
  const running =
    (registry.getSingleMetric('walt_vnode_running') as Gauge<'node'> | undefined) ??
    new Gauge({
      name: 'walt_vnode_running',
      help: '1 while the qemu process of a virtual node runs, else 0.',
      labelNames: ['node'] as const,
      registers: [registry],
    });
  return { starts, running };
}
