// Where the agent serves its API on the pod network (--api-listen, ADR 0013): in a pod the lab
// bridge walt0 and the pod's eth0 share one network namespace, so a wildcard address would also open
// the API on the lab network, and so would the segment's own address. The DaemonSet passes the pod's
// IP (downward API); anything that is the lab network is refused, as for the health server.
import { isIP } from 'node:net';
import { defineError } from '../common/errors.js';

export interface ApiListen {
  host: string;
  port: number;
}

export const AgentApiListenInvalid = defineError(
  'WALT_ERR_AGENT_API_LISTEN_INVALID',
  (value: string) =>
    `--api-listen ${JSON.stringify(value.slice(0, 80))}: give <IP address>:<port>, e.g. $(POD_IP):8080 (the pod's address; port 1-65535)`,
  400,
);

export const AgentApiListenOnLab = defineError(
  'WALT_ERR_AGENT_API_LISTEN_ON_LAB',
  (host: string) =>
    `the agent API may not listen on ${host} beside the lab network: a wildcard or the segment address is reachable by every device of the lab; pass the pod's own address ($(POD_IP) from the downward API)`,
  400,
);

const WILDCARDS = new Set(['0.0.0.0', '::']);

/** Parses `host:port` or `[v6]:port`; throws WALT_ERR_AGENT_API_LISTEN_INVALID. Pure. */
export function parseApiListen(value: string): ApiListen {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+)):(\d{1,5})$/.exec(value.trim());
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (!host || isIP(host) === 0 || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw AgentApiListenInvalid(value);
  }
  return { host, port };
}

/** Throws WALT_ERR_AGENT_API_LISTEN_ON_LAB when `host` is reachable from the lab network. Pure. */
export function checkApiListen(listen: ApiListen, segmentAddress: string | undefined): void {
  if (WILDCARDS.has(listen.host) || listen.host === segmentAddress) throw AgentApiListenOnLab(listen.host);
}
