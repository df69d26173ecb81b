// Prometheus metrics of the TFTP service, registered once per Registry (a second server on the same
// registry shares them).
import { Counter, Histogram, type Registry } from 'prom-client';

export type TransferResult = 'ok' | 'refused' | 'timeout' | 'client-error' | 'aborted';

export interface TftpMetrics {
  malformed: Counter<'reason'>;
  transfers: Counter<'result'>;
  duration: Histogram<'result'>;
  sentBytes: Counter;
}

function existing<T>(registry: Registry, name: string): T | undefined {
  return registry.getSingleMetric(name) as T | undefined;
}

export function createTftpMetrics(registry: Registry): TftpMetrics {
  const registers = [registry];
  return {
    malformed:
      existing(registry, 'walt_tftp_malformed_total') ??
      new Counter({
        name: 'walt_tftp_malformed_total',
        help: 'TFTP packets dropped because they could not be decoded or were not expected',
        labelNames: ['reason'],
        registers,
      }),
    transfers:
      existing(registry, 'walt_tftp_transfers_total') ??
      new Counter({
        name: 'walt_tftp_transfers_total',
        help: 'TFTP read requests by outcome (ok, refused, timeout, client-error, aborted)',
        labelNames: ['result'],
        registers,
      }),
    duration:
      existing(registry, 'walt_tftp_transfer_duration_seconds') ??
      new Histogram({
        name: 'walt_tftp_transfer_duration_seconds',
        help: 'Duration of TFTP transfers, from the read request to the last ACK',
        labelNames: ['result'],
        buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
        registers,
      }),
    sentBytes:
      existing(registry, 'walt_tftp_sent_bytes_total') ??
      new Counter({
        name: 'walt_tftp_sent_bytes_total',
        help: 'File bytes sent in TFTP DATA packets, retransmissions included',
        registers,
      }),
  };
}
