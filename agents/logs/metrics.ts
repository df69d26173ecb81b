// Prometheus metrics of the log service, in the registry the agent passes.
import { Counter, type Registry } from 'prom-client';

export type LineSource = 'node' | 'api' | 'platform' | 'console';

export interface LogMetrics {
  /** walt_log_lines_total{source}: lines stored, by where they came from. */
  readonly lines: Counter<'source'>;
  /** walt_log_lines_dropped_total{reason}: lines refused (no-timestamp) or lost (store). */
  readonly dropped: Counter<'reason'>;
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
  };
}
