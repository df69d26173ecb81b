// Prometheus metrics of the topology scan: rounds by result (a rising "failed" or "partial" count is
// the alarm: a switch unreachable or its credentials wrong) and the switches that did not answer last.
import type { Counter, Gauge, Registry } from 'prom-client';
import { counterIn, gaugeIn } from '../../common/metrics.js';

export interface TopologyMetrics {
  scans: Counter<'result'>;
  unreachable: Gauge;
}

export function topologyMetrics(registry: Registry): TopologyMetrics {
  return {
    scans: counterIn(registry, {
      name: 'walt_topology_scans_total',
      help: 'Topology scan rounds of the segment, by result (ok, partial: some switches not scanned, failed).',
      labelNames: ['result'] as const,
    }),
    unreachable: gaugeIn(registry, {
      name: 'walt_topology_switches_unscanned',
      help: 'Switches of the segment the last scan round could not read.',
    }),
  };
}
