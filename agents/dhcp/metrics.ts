// Prometheus metrics of the DHCP service.
import type { Counter, Registry } from 'prom-client';
import { counterIn } from '../../common/metrics.js';

export interface DhcpMetrics {
  packets: Counter<'type'>;
  malformed: Counter<'reason'>;
  replies: Counter<'type'>;
  ignored: Counter<'reason'>;
}

export function dhcpMetrics(registry: Registry): DhcpMetrics {
  return {
    packets: counterIn(registry, {
      name: 'walt_dhcp_packets_total',
      help: 'DHCP requests received, by message type.',
      labelNames: ['type'] as const,
    }),
    malformed: counterIn(registry, {
      name: 'walt_dhcp_malformed_total',
      help: 'DHCP packets dropped as malformed, by reason.',
      labelNames: ['reason'] as const,
    }),
    replies: counterIn(registry, {
      name: 'walt_dhcp_replies_total',
      help: 'DHCP replies sent, by message type.',
      labelNames: ['type'] as const,
    }),
    ignored: counterIn(registry, {
      name: 'walt_dhcp_ignored_total',
      help: 'DHCP requests decoded but not answered, by reason (e.g. decline-not-holder, not-ethernet, declined).',
      labelNames: ['reason'] as const,
    }),
  };
}
