// The NetworkPolicy walt-agent-<segment> (ADR 0013): from the pod network, an agent pod takes the
// agent API and the health/metrics port, nothing else. Its DHCP socket listens on 0.0.0.0:67 (node's
// dgram cannot bind to a device), and NFS and rpcbind on every address: without this, any pod of the
// cluster could send them requests. A policy applies where the pod network enters the pod (eth0),
// never to walt0, so the lab is not affected. It bounds nothing on a CNI that ignores NetworkPolicy.
import type * as k8s from '@kubernetes/client-node';
import { agentWorkloadName } from '../../../api/agent/workload.js';
import { AGENT_NAMESPACE } from '../../../api/rbac/segment-agent.js';
import type { WaltSegment } from '../../../api/v1alpha1/index.js';
import type { AgentDeployConfig } from './config.js';
import { AGENT_HEALTH_PORT, agentLabels, agentPodLabels } from './render-daemonset.js';

export function renderNetworkPolicy(segment: WaltSegment, config: AgentDeployConfig): k8s.V1NetworkPolicy {
  const name = segment.metadata.name;
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: agentWorkloadName(name), namespace: AGENT_NAMESPACE, labels: agentLabels(name) },
    spec: {
      podSelector: { matchLabels: agentPodLabels(name) },
      policyTypes: ['Ingress'],
      ingress: [
        {
          ports: [
            { protocol: 'TCP', port: config.apiPort },
            { protocol: 'TCP', port: AGENT_HEALTH_PORT },
          ],
        },
      ],
    },
  };
}
