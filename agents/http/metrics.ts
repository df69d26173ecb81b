// Prometheus metrics of the HTTP service, in the registry the agent passes.
import { Counter, type Registry } from 'prom-client';
import type { CacheObserver } from '../netboot/byte-budget-lru.js';
import { bootCacheObserver } from '../netboot/boot-file-cache-metrics.js';

export interface HttpMetrics {
  /** walt_http_requests_total{route,code}: answers by route pattern and status code. */
  readonly requests: Counter<'route' | 'code'>;
  /** walt_http_sent_bytes_total{route}: body bytes of completed answers. */
  readonly bytesSent: Counter<'route'>;
  /** walt_boot_cache_{lookups_total,bytes}{cache="http"}: the file cache (boot-file-cache-metrics.ts). */
  readonly fileCache: CacheObserver;
}

export function createHttpMetrics(registry: Registry): HttpMetrics {
  return {
    requests: new Counter({
      name: 'walt_http_requests_total',
      help: 'HTTP answers of the boot agent by route and status code.',
      labelNames: ['route', 'code'] as const,
      registers: [registry],
    }),
    bytesSent: new Counter({
      name: 'walt_http_sent_bytes_total',
      help: 'Body bytes of completed HTTP answers of the boot agent, by route.',
      labelNames: ['route'] as const,
      registers: [registry],
    }),
    fileCache: bootCacheObserver(registry, 'http'),
  };
}
