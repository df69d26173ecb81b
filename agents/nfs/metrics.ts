// Prometheus metrics of the NFS service.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface NfsMetrics {
  exports: Gauge<'access'>;
  reloads: Counter;
  restarts: Counter;
  viewBuildSeconds: Histogram;
}

export function createNfsMetrics(registry: Registry): NfsMetrics {
  return {
    exports: new Gauge({
      name: 'walt_nfs_exports',
      help: 'NFS exports served, by access (RO image views, RW /persist directories)',
      labelNames: ['access'],
      registers: [registry],
    }),
    reloads: new Counter({
      name: 'walt_nfs_reloads_total',
      help: 'Export reloads of the NFS server',
      registers: [registry],
    }),
    restarts: new Counter({
      name: 'walt_nfs_server_restarts_total',
      help: 'Unexpected exits of the NFS server, restarted',
      registers: [registry],
    }),
    viewBuildSeconds: new Histogram({
      name: 'walt_nfs_view_build_seconds',
      help: 'Time to build the exported view of an image (hard-link tree + node files)',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}
