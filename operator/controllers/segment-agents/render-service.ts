// The Service walt-agent-<segment>: the agent API on the pod network for the operator and users
// (ADR 0013), never the lab address. Its selector matches every agent pod of the segment; only the
// leader is Ready (its API listener answers /readyz, a standby has none), so it is the one endpoint.
import type * as k8s from '@kubernetes/client-node';
import { agentWorkloadName } from '../../../api/agent/workload.js';
import { AGENT_NAMESPACE } from '../../../api/rbac/segment-agent.js';
import type { WaltSegment } from '../../../api/v1alpha1/index.js';
import type { AgentDeployConfig } from './config.js';
import { agentLabels, agentPodLabels } from './render-daemonset.js';

export function renderService(segment: WaltSegment, config: AgentDeployConfig): k8s.V1Service {
  const name = segment.metadata.name;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: agentWorkloadName(name), namespace: AGENT_NAMESPACE, labels: agentLabels(name) },
    spec: {
      type: 'ClusterIP',
      selector: agentPodLabels(name),
      ports: [{ name: 'api', port: config.apiPort, targetPort: 'api', protocol: 'TCP' }],
    },
  };
}
