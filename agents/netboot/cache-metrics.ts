// Prometheus metrics of the boot-file caches (HTTP file cache, TFTP packet cache), to size
// `--boot-cache-mib`: walt_boot_cache_lookups_total{cache,result} (hit: served from memory; miss: read
// into memory now; uncached: too large for the cache, streamed from disk) and
// walt_boot_cache_bytes{cache} (bytes held, or being read).
import { Counter, Gauge, type Registry } from 'prom-client';
import type { CacheObserver } from './bounded-cache.js';

export type BootCacheName = 'http' | 'tftp';

const LOOKUPS = 'walt_boot_cache_lookups_total';
const BYTES = 'walt_boot_cache_bytes';

function lookups(registry: Registry): Counter<'cache' | 'result'> {
  const existing = registry.getSingleMetric(LOOKUPS) as Counter<'cache' | 'result'> | undefined;
  return (
    existing ??
    new Counter({
      name: LOOKUPS,
      help: 'Boot file lookups in the in-memory caches: hit, miss (read now) or uncached (too large, streamed)',
      labelNames: ['cache', 'result'] as const,
      registers: [registry],
    })
  );
}

function bytes(registry: Registry): Gauge<'cache'> {
  const existing = registry.getSingleMetric(BYTES) as Gauge<'cache'> | undefined;
  return (
    existing ??
    new Gauge({
      name: BYTES,
      help: 'Bytes held by the in-memory boot file caches (or being read into them)',
      labelNames: ['cache'] as const,
      registers: [registry],
    })
  );
}

/** The observer a cache reports to; metrics are registered once per registry, shared by caches. */
export function bootCacheObserver(registry: Registry, cache: BootCacheName): CacheObserver {
  const counter = lookups(registry);
  const gauge = bytes(registry);
  return {
    lookup: (result) => counter.inc({ cache, result }),
    held: (held) => gauge.set({ cache }, held),
  };
}
