// Everything the operator applies for one segment's agents, in order (ADR 0013): the identity of
// ADR 0011 (segmentAgentRbac, the same objects the local lab applies), the Service, the
// NetworkPolicy and the DaemonSet,
// each owned by the WaltSegment (the DaemonSet names the Service's cluster IP once it has one) so that deleting the segment lets the garbage collector remove them
// (no finalizer). Pure.
import type * as k8s from '@kubernetes/client-node';
import { segmentFitsWorkload } from '../../../api/agent/workload.js';
import { segmentAgentRbac } from '../../../api/rbac/segment-agent.js';
import type { WaltSegment } from '../../../api/v1alpha1/index.js';
import { withOwner } from '../../../runtime/index.js';
import type { AgentDeployConfig } from './config.js';
import { SegmentNameUnfit } from './errors.js';
import { renderDaemonSet } from './render-daemonset.js';
import { renderNetworkPolicy } from './render-network-policy.js';
import { renderService } from './render-service.js';

export function renderSegmentAgents(
  segment: WaltSegment,
  config: AgentDeployConfig,
  serviceIp?: string,
): k8s.KubernetesObject[] {
  const name = segment.metadata.name;
  if (!segmentFitsWorkload(name)) throw SegmentNameUnfit(name);
  const objects: k8s.KubernetesObject[] = [
    ...segmentAgentRbac(name),
    renderService(segment, config),
    renderNetworkPolicy(segment, config),
    renderDaemonSet(segment, config, serviceIp),
  ];
  return objects.map((object) => withOwner(object, segment));
}
