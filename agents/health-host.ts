// Where the agent's health and metrics server (/healthz, /readyz, /metrics: runtime/health.ts)
// may listen. In boot mode the agent runs inside the segment's network namespace, where every address
// but loopback is on the lab network: a wildcard or the segment address would publish the agent's
// metrics (node names, addresses, request counts) to every device there. So the default is loopback,
// and in boot mode those addresses are refused; probes reach it from inside the pod or namespace.
import { defineError } from '../common/errors.js';

export const DEFAULT_HEALTH_HOST = '127.0.0.1';

export const AgentHealthOnLab = defineError(
  'WALT_ERR_AGENT_HEALTH_ON_LAB',
  (host: string) =>
    `the health and metrics server may not listen on ${host}: in boot mode that is the lab network; use 127.0.0.1 (the default) or another address that is not on the segment`,
  400,
);

const WILDCARDS = new Set(['', '0.0.0.0', '::', '[::]', '::0']);

/** Throws WALT_ERR_AGENT_HEALTH_ON_LAB when `host` would be reachable from the lab network. */
export function checkHealthHost(host: string, place: { boot: boolean; segmentAddress?: string }): void {
  if (!place.boot) return;
  if (WILDCARDS.has(host.trim()) || host === place.segmentAddress) throw AgentHealthOnLab(host);
}
