// Prometheus metrics of interactive sessions (ADR 0019), in the registry the agent passes.
import { Counter, Gauge, type Registry } from 'prom-client';

/** Why a session or a frame was refused (walt_session_refusals_total{reason}). */
export type RefusalLabel =
  | 'limit'
  | 'address'
  | 'secret'
  | 'unknown'
  | 'expired'
  | 'claimed'
  | 'oversized'
  | 'badFrame'
  | 'wrongDirection'
  | 'backpressure';

/** How a session ended (walt_sessions_total{result}). */
export type SessionResultLabel = 'exited' | 'clientClosed' | 'nodeFailed' | 'noConnect' | 'idle' | 'protocol';

export interface SessionMetrics {
  readonly open: Gauge;
  readonly sessions: Counter<'result'>;
  readonly refusals: Counter<'reason'>;
}

export function createSessionMetrics(registry: Registry): SessionMetrics {
  return {
    open: new Gauge({
      name: 'walt_sessions_open',
      help: 'Interactive sessions open on this agent (waiting for their node or relaying).',
      registers: [registry],
    }),
    sessions: new Counter({
      name: 'walt_sessions_total',
      help: 'Interactive sessions by how they ended (exited, clientClosed, nodeFailed, noConnect, idle, protocol).',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    refusals: new Counter({
      name: 'walt_session_refusals_total',
      help: 'Session connections and frames refused, by reason (limit, address, secret, unknown, expired, claimed, oversized, badFrame, wrongDirection, backpressure).',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
  };
}
