// Prometheus metrics of the TFTP service, registered once per Registry (a second server on the same
// registry shares them).
import type { Counter, Histogram, Registry } from 'prom-client';
import { counterIn, histogramIn } from '../../common/metrics.js';

export type TransferResult = 'ok' | 'refused' | 'timeout' | 'client-error' | 'aborted';

export interface TftpMetrics {
  malformed: Counter<'reason'>;
  transfers: Counter<'result'>;
  duration: Histogram<'result'>;
  sentBytes: Counter;
  errorsDropped: Counter;
  capped: Counter;
}

export function createTftpMetrics(registry: Registry): TftpMetrics {
  return {
    malformed: counterIn(registry, {
      name: 'walt_tftp_malformed_total',
      help: 'TFTP packets that could not be decoded or were not expected (decode, unexpected, error-packet); answered with an ERROR within the rate limit, except ERROR packets',
      labelNames: ['reason'] as const,
    }),
    transfers: counterIn(registry, {
      name: 'walt_tftp_transfers_total',
      help: 'TFTP read requests by outcome (ok, refused, timeout, client-error, aborted)',
      labelNames: ['result'] as const,
    }),
    duration: histogramIn(registry, {
      name: 'walt_tftp_transfer_duration_seconds',
      help: 'Duration of TFTP transfers, from the read request to the last ACK',
      labelNames: ['result'] as const,
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
    }),
    sentBytes: counterIn(registry, {
      name: 'walt_tftp_sent_bytes_total',
      help: 'File bytes sent in TFTP DATA packets, retransmissions included',
    }),
    errorsDropped: counterIn(registry, {
      name: 'walt_tftp_error_replies_dropped_total',
      help: 'TFTP ERROR replies not sent because the client address or all clients were over the rate limit',
    }),
    capped: counterIn(registry, {
      name: 'walt_tftp_client_capped_total',
      help: 'TFTP read requests refused because the client address had too many transfers open',
    }),
  };
}
