// Periodic retention of the log store (the store applies a policy, it does not schedule it).
import type { Logger } from '../../common/logger.js';
import type { LogStore, RetentionPolicy } from '../../log-store/store.js';

export const DEFAULT_RETENTION: RetentionPolicy = { maxAgeMs: 30 * 24 * 3600 * 1000, maxLines: 10_000_000 };
export const RETENTION_INTERVAL_MS = 3600 * 1000;

/** Applies `policy` now and every `intervalMs`; returns the function that stops it. */
export function scheduleRetention(
  store: Pick<LogStore, 'applyRetention'>,
  policy: RetentionPolicy,
  logger: Logger,
  intervalMs: number = RETENTION_INTERVAL_MS,
): () => void {
  const apply = (): void => {
    store.applyRetention({ ...policy, now: new Date() }).then(
      (deleted) => {
        if (deleted > 0) logger.info({ deleted }, 'old log lines deleted');
      },
      (err: unknown) => logger.warn({ err }, 'log retention failed'),
    );
  };
  apply();
  const timer = setInterval(apply, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
