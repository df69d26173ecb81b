// Prometheus metrics of the virtual nodes: VM starts by reason (power-on, reboot, crash, reset: a
// rising crash count is the alarm) and which VMs run now.
import type { Counter, Gauge, Registry } from 'prom-client';
import { counterIn, gaugeIn } from '../../common/metrics.js';

export interface VnodeMetrics {
  starts: Counter<'node' | 'reason'>;
  running: Gauge<'node'>;
}

export function vnodeMetrics(registry: Registry): VnodeMetrics {
  return {
    starts: counterIn(registry, {
      name: 'walt_vnode_starts_total',
      help: 'qemu starts of virtual nodes, by node and reason (power-on, reboot, crash, reset).',
      labelNames: ['node', 'reason'] as const,
    }),
    running: gaugeIn(registry, {
      name: 'walt_vnode_running',
      help: '1 while the qemu process of a virtual node runs, else 0.',
      labelNames: ['node'] as const,
    }),
  };
}
