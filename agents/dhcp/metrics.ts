// Prometheus metrics of the DHCP service.
import { Counter, type Registry } from 'prom-client';

export interface DhcpMetrics {
  packets: Counter<'type'>;
  malformed: Counter<'reason'>;
  replies: Counter<'type'>;
}

function counter<L extends string>(registry: Registry, name: string, help: string, label: L): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<L>;
  return new Counter({ name, help, labelNames: [label], registers: [registry] });
}

export function dhcpMetrics(registry: Registry): DhcpMetrics {
  return {
    packets: counter(registry, 'walt_dhcp_packets_total', 'DHCP requests received, by message type.', 'type'),
    malformed: counter(
      registry,
      'walt_dhcp_malformed_total',
      'DHCP packets dropped as malformed, by reason.',
      'reason',
    ),
    replies: counter(registry, 'walt_dhcp_replies_total', 'DHCP replies sent, by message type.', 'type'),
  };
}
