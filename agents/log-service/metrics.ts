// Prometheus metrics of the log service, in the registry the agent passes.
import { Counter, Gauge, type Registry } from 'prom-client';

export type LineSource = 'node' | 'api' | 'platform' | 'console';

export interface LogMetrics {
  /** walt_log_lines_total{source}: lines stored, by where they came from. */
  readonly lines: Counter<'source'>;
  /** walt_log_lines_dropped_total{reason}: lines refused (no-timestamp) or lost (store). */
  readonly dropped: Counter<'reason'>;
  /** walt_log_api_rate_limited_total{route}: public requests answered 429 by the rate limit. */
  readonly rateLimited: Counter<'route'>;
  /** walt_log_api_streams_refused_total{kind}: follows and reads refused by the concurrency caps. */
  readonly refused: Counter<'kind'>;
  /** walt_log_api_streams{kind}: follows and reads under way. */
  readonly open: Gauge<'kind'>;
  /** walt_log_reads_truncated_total{route,reason}: answers cut short by the time budget. */
  readonly truncated: Counter<'route' | 'reason'>;
}

export function createLogMetrics(registry: Registry): LogMetrics {
  return {
    lines: new Counter({
      name: 'walt_log_lines_total',
      help: 'Log lines stored by the boot agent, by source (node, api, platform, console).',
      labelNames: ['source'] as const,
      registers: [registry],
    }),
    dropped: new Counter({
      name: 'walt_log_lines_dropped_total',
      help: 'Log lines dropped by the boot agent, by reason (no-timestamp, store).',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: 'walt_log_api_rate_limited_total',
      help: 'Requests of the public API answered 429 by the per-client rate limit, by route.',
      labelNames: ['route'] as const,
      registers: [registry],
    }),
    refused: new Counter({
      name: 'walt_log_api_streams_refused_total',
      help: 'Log follows and reads refused by the concurrency caps, by kind (follow, read).',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    open: new Gauge({
      name: 'walt_log_api_streams',
      help: 'Log follows and reads under way, by kind (follow, read).',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    truncated: new Counter({
      name: 'walt_log_reads_truncated_total',
      help: 'Log answers and deletions cut short by their time budget, by route and reason.',
      labelNames: ['route', 'reason'] as const,
      registers: [registry],
    }),
  };
}
