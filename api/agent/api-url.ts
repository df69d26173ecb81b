// Where a client may send a segment agent's token (ADR 0011). The agent publishes its API URL in its
// WaltSegment's status, which is an observation, not a user's intent: before the operator or the CLI
// send `Authorization: Bearer <token>` there, the URL must name the agent itself. Allowed, and nothing
// else:
// - http(s)://<spec.serverAddress>[:port]: the agent on its segment (spec is the user's, not the agent's);
// - http(s)://walt-agent-<segment>.<agent namespace>.svc[.<cluster domain>][:port]: the agent's Service;
// - http(s)://<cluster IP>[:port] when the caller read that Service and found this cluster IP (what the
//   operator publishes in a cluster: no cluster DNS needed; client/agent.ts connectAgent reads it);
// - a loopback address (127.0.0.0/8, [::1]) only when the caller opts in (the local lab relays the agent's
//   port to loopback): on a shared machine any local user may listen on a loopback port.
// Always: no user info, no path but "/", no query, no fragment; at most 2048 characters.
import { DEFAULT_SYSTEM_NAMESPACE } from '../system-namespace.js';
import { defineError } from '../../common/errors.js';

export const ERR_AGENT_URL_REFUSED = defineError(
  'WALT_ERR_AGENT_URL_REFUSED',
  (segment: string, url: string, reason: string) =>
    `no token is sent to ${JSON.stringify(url)}, the API URL in status.agent.apiUrl of segment ${segment}: ` +
    `${reason}. The agent must publish http(s)://<spec.serverAddress>[:port] or its Service ` +
    `walt-agent-${segment}.<namespace>.svc (--api-url); for a loopback relay (local lab) set WALT_AGENT_URL_ALLOW_LOOPBACK=1`,
  403,
);

export const MAX_AGENT_URL_LENGTH = 2048;

export interface AgentUrlPolicy {
  /** Accept loopback addresses (the local lab's relay). Default false. */
  allowLoopback?: boolean;
  /** The agents' namespace, for the Service name (default walt-system). */
  namespace?: string;
  /** The cluster's DNS domain, for the Service name (default cluster.local). */
  clusterDomain?: string;
  /** The cluster IP of the agent's Service, as the caller read it from the API (not from status). */
  serviceIp?: string;
}

export interface AgentUrlSegment {
  name: string;
  serverAddress: string;
}

const IPV4_LOOPBACK = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

function isLoopback(hostname: string): boolean {
  return IPV4_LOOPBACK.test(hostname) || hostname === '[::1]';
}

function serviceHosts(segment: string, policy: AgentUrlPolicy): string[] {
  const service = `walt-agent-${segment}.${policy.namespace ?? DEFAULT_SYSTEM_NAMESPACE}.svc`;
  return [service, `${service}.${policy.clusterDomain ?? 'cluster.local'}`];
}

/** Why the form of `url` is refused (scheme, user info, anything past the host). */
function formRefusal(url: URL): string | undefined {
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return `scheme ${url.protocol} is not http or https`;
  if (url.username || url.password) return 'it carries user information';
  if (url.pathname !== '/' || url.search || url.hash) return 'it has a path, a query or a fragment';
  return undefined;
}

/** Why `url` is refused, or undefined when it names the agent. */
function refusal(url: URL, segment: AgentUrlSegment, policy: AgentUrlPolicy): string | undefined {
  const form = formRefusal(url);
  if (form !== undefined) return form;
  const host = url.hostname;
  if (host === segment.serverAddress || serviceHosts(segment.name, policy).includes(host)) return undefined;
  if (policy.serviceIp !== undefined && host === policy.serviceIp) return undefined;
  if (isLoopback(host)) return policy.allowLoopback ? undefined : 'loopback addresses are not allowed here';
  return `host ${host} is neither the segment's serverAddress ${segment.serverAddress} nor the agent's Service`;
}

/**
 * The base URL (no trailing slash) to reach the agent of `segment` at, from its published `apiUrl`;
 * throws WALT_ERR_AGENT_URL_REFUSED when the URL does not name the agent. Pure.
 */
export function checkAgentApiUrl(
  apiUrl: string,
  segment: AgentUrlSegment,
  policy: AgentUrlPolicy = {},
): string {
  const shown = apiUrl.length > 200 ? `${apiUrl.slice(0, 200)}…` : apiUrl;
  if (apiUrl.length > MAX_AGENT_URL_LENGTH)
    throw ERR_AGENT_URL_REFUSED(segment.name, shown, `longer than ${MAX_AGENT_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(apiUrl);
  } catch {
    throw ERR_AGENT_URL_REFUSED(segment.name, shown, 'not a URL');
  }
  const reason = refusal(url, segment, policy);
  if (reason !== undefined) throw ERR_AGENT_URL_REFUSED(segment.name, shown, reason);
  return `${url.protocol}//${url.host}`;
}

/** The policy from the environment: WALT_AGENT_URL_ALLOW_LOOPBACK=1, WALT_SYSTEM_NAMESPACE, WALT_CLUSTER_DOMAIN. */
export function agentUrlPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): AgentUrlPolicy {
  return {
    allowLoopback: env.WALT_AGENT_URL_ALLOW_LOOPBACK === '1',
    ...(env.WALT_SYSTEM_NAMESPACE ? { namespace: env.WALT_SYSTEM_NAMESPACE } : {}),
    ...(env.WALT_CLUSTER_DOMAIN ? { clusterDomain: env.WALT_CLUSTER_DOMAIN } : {}),
  };
}
