// Tells clients where the agent API is, and which agent they talk to: status.agent.apiUrl,
// status.agent.tokenSecret and status.agent.version (the operator records it per node in an Experiment's
// status, for reruns) of the WaltSegment, by server-side apply with our own field manager, so the DHCP service's heartbeat fields
// (status.agent.host, lastHeartbeat, under its manager) are left alone. tokenSecret is for people
// reading the status: clients find the Secret by its name and check apiUrl first (ADR 0011), since a
// status is what its writer says. The agent writes only its own segment's status (config/rbac).
import type * as k8s from '@kubernetes/client-node';
import { API_VERSION, RESOURCES, type WaltSegment } from '../../api/v1alpha1/index.js';
import type { Logger } from '../../common/logger.js';
import { createStatusWriter, type StatusWriter } from '../../runtime/index.js';
import type { SecretRef } from './token.js';

export const API_FIELD_MANAGER = 'walt-agent-api';

export interface AgentApiStatus {
  apiUrl: string;
  tokenSecret: SecretRef;
  /** This agent's software version (common/version.ts). */
  version: string;
}

/** The status fields this writer owns. */
export function agentApiStatus(status: AgentApiStatus): Record<string, unknown> {
  return {
    agent: { apiUrl: status.apiUrl, tokenSecret: { ...status.tokenSecret }, version: status.version },
  };
}

export interface SegmentStatusWriter {
  write(segment: string, status: AgentApiStatus): Promise<void>;
}

export function createSegmentStatusWriter(kc: k8s.KubeConfig, logger: Logger): SegmentStatusWriter {
  const writer: StatusWriter<WaltSegment> = createStatusWriter<WaltSegment>({
    kc,
    resource: RESOURCES.segment,
    fieldManager: API_FIELD_MANAGER,
    logger,
  });
  return {
    async write(segment, status) {
      const obj = {
        apiVersion: API_VERSION,
        kind: 'WaltSegment',
        metadata: { name: segment },
      } as WaltSegment;
      await writer.apply(obj, agentApiStatus(status));
    },
  };
}
