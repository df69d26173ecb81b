// Coded errors of the segment-agents controller (operator side of ADR 0013).
import { defineError } from '../../../common/errors.js';

export const AgentConfigInvalid = defineError(
  'WALT_ERR_AGENT_CONFIG_INVALID',
  (variable: string, why: string) =>
    `${variable}: ${why}; fix the operator's environment (the chart's agent.* and logStore values)`,
  400,
);

export const SegmentNameUnfit = defineError(
  'WALT_ERR_SEGMENT_AGENT_NAME',
  (segment: string) =>
    `segment ${JSON.stringify(segment.slice(0, 80))} cannot name a DaemonSet, Service and node label (walt-agent-<segment>): use at most 52 lower-case letters, digits and '-', no dots; recreate the segment under such a name`,
  400,
);
