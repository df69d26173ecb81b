// Names of the Kubernetes objects that run a segment's boot agents in a cluster (ADR 0013), shared by
// the operator that creates them, the chart that documents them and the tests: one place for each fact.
// Pure.
import { DEFAULT_SYSTEM_NAMESPACE } from '../system-namespace.js';

/** The condition the operator sets on a WaltSegment from its agents' DaemonSet (numberReady/desired). */
export const AGENTS_READY_CONDITION = 'AgentsReady';

/** The bridge the agent pod makes for the moved lab interface (walt-agent-netsetup). */
export const AGENT_POD_BRIDGE = 'walt0';

/** The port of the agent API on the pod network and its Service (chart value agent.apiPort). */
export const DEFAULT_AGENT_API_PORT = 8080;

/** Where the agent pod keeps its image cache, SQLite log store, DHCP leases (a hostPath per segment). */
export const DEFAULT_AGENT_CACHE_HOST_PATH = '/var/lib/walt/agent';

/** DaemonSet and Service of a segment's agents (also its ServiceAccount, Lease and token Secret). */
export const agentWorkloadName = (segment: string): string => `walt-agent-${segment}`;

/** The label that attaches a Kubernetes node to a segment: the DaemonSet's nodeSelector. */
export const segmentNodeLabel = (segment: string): string => `segment.walt.dev/${segment}`;

/**
 * The agent API as the operator and users reach it: the Service, never the lab address. With the
 * Service's cluster IP (what the operator publishes), the URL needs no cluster DNS and works from every
 * node of the cluster through kube-proxy; without it, the Service's DNS name.
 */
export function agentServiceUrl(
  segment: string,
  port = DEFAULT_AGENT_API_PORT,
  namespace = DEFAULT_SYSTEM_NAMESPACE,
  clusterIp?: string,
): string {
  return `http://${clusterIp ?? `${agentWorkloadName(segment)}.${namespace}.svc`}:${port}`;
}

// A Service name is a DNS-1035 label (≤ 63, a letter first, no dots); so is the name part of the node
// label key. "walt-agent-" leaves 52 characters to the segment.
const WORKLOAD_SEGMENT = /^[a-z0-9]([-a-z0-9]{0,50}[a-z0-9])?$/;

/** Whether the segment's name fits the names of its DaemonSet, Service and node label. */
export function segmentFitsWorkload(segment: string): boolean {
  return WORKLOAD_SEGMENT.test(segment);
}
