// Prometheus metrics of the boot-file caches (HTTP file cache, TFTP packet cache), to size
// `--boot-cache-mib`: walt_boot_cache_lookups_total{cache,result} (hit: served from memory; miss: read
// into memory now; uncached: too large for the cache, streamed from disk) and
// walt_boot_cache_bytes{cache} (bytes held, or being read).
import type { Registry } from 'prom-client';
import { counterIn, gaugeIn } from '../../common/metrics.js';
import type { CacheObserver } from './byte-budget-lru.js';

export type BootCacheName = 'http' | 'tftp';

/** The observer a cache reports to; metrics are registered once per registry, shared by caches. */
export function bootCacheObserver(registry: Registry, cache: BootCacheName): CacheObserver {
  const counter = counterIn(registry, {
    name: 'walt_boot_cache_lookups_total',
    help: 'Boot file lookups in the in-memory caches: hit, miss (read now) or uncached (too large, streamed)',
    labelNames: ['cache', 'result'] as const,
  });
  const gauge = gaugeIn(registry, {
    name: 'walt_boot_cache_bytes',
    help: 'Bytes held by the in-memory boot file caches (or being read into them)',
    labelNames: ['cache'] as const,
  });
  return {
    lookup: (result) => counter.inc({ cache, result }),
    held: (held) => gauge.set({ cache }, held),
  };
}
