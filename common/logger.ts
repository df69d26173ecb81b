// The one pino logger factory. Units of work get child loggers: {kind, name, namespace} per reconcile,
// {mac, segment} per boot request.
import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

export function createLogger(component: string, options: LoggerOptions = {}): Logger {
  return pino({
    name: component,
    level: process.env.WALT_LOG_LEVEL ?? process.env.LOG_LEVEL ?? 'info',
    base: { component },
    timestamp: pino.stdTimeFunctions.isoTime,
    ...options,
  });
}

/** A logger that drops everything (tests that do not look at logs). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
