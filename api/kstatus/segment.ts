// Ready of a WaltSegment: its boot agent is alive, which the agent's heartbeat in status
// (agent.lastHeartbeat, written every 30 s by the leading agent's DHCP service) shows while it is fresh.
// An agent does not say it has died: the operator reads the heartbeat and sets Ready, Reconciling and
// Stalled (operator/controllers/segment-health/). Pure.
import type { WaltSegment } from '../v1alpha1/index.js';
import { idle, READY, REASON, RECONCILING, STALLED, type ConditionValue } from './names.js';

/** How often the agent reports (agents/dhcp/service.ts). */
export const AGENT_HEARTBEAT_MS = 30_000;
/** A heartbeat older than three periods means the agent is gone (or cut from the API). */
export const AGENT_HEARTBEAT_FRESH_MS = 3 * AGENT_HEARTBEAT_MS;

export interface SegmentHealth {
  conditions: ConditionValue[];
  /** When the answer changes by itself (the heartbeat goes stale), in ms from `now`; undefined: never. */
  recheckInMs?: number;
}

export function segmentHealth(segment: WaltSegment, now: number): SegmentHealth {
  const last = segment.status?.agent?.lastHeartbeat;
  const at = last ? Date.parse(last) : NaN;
  if (Number.isNaN(at)) return noAgentYet(segment);
  const age = now - at;
  if (age > AGENT_HEARTBEAT_FRESH_MS) return heartbeatStale(segment, last!);
  return serving(segment, age);
}

function noAgentYet(segment: WaltSegment): SegmentHealth {
  const message = `no boot agent has reported for segment ${segment.metadata.name} yet`;
  return {
    conditions: [
      { type: READY, status: 'False', reason: REASON.NoAgent, message },
      { type: RECONCILING, status: 'True', reason: REASON.NoAgent, message },
      idle(STALLED, 'waiting for the agent to start'),
    ],
  };
}

function heartbeatStale(segment: WaltSegment, last: string): SegmentHealth {
  const host = segment.status?.agent?.host ? ` on ${segment.status.agent.host}` : '';
  const message = `the boot agent${host} last reported at ${last}, over ${AGENT_HEARTBEAT_FRESH_MS / 1000} s ago: check its pod or process`;
  return {
    conditions: [
      { type: READY, status: 'False', reason: REASON.AgentHeartbeatStale, message },
      idle(RECONCILING, 'waiting for the agent to report again'),
      { type: STALLED, status: 'True', reason: REASON.AgentHeartbeatStale, message },
    ],
  };
}

function serving(segment: WaltSegment, age: number): SegmentHealth {
  const host = segment.status?.agent?.host ?? 'unknown host';
  return {
    conditions: [
      {
        type: READY,
        status: 'True',
        reason: REASON.AgentHeartbeat,
        // No time in it: a fresh heartbeat every 30 s changes nothing here (no status write)
        message: `the boot agent on ${host} reports every ${AGENT_HEARTBEAT_MS / 1000} s`,
      },
      idle(RECONCILING, 'the agent serves the segment'),
      idle(STALLED, 'the agent serves the segment'),
    ],
    recheckInMs: AGENT_HEARTBEAT_FRESH_MS - age + 1000,
  };
}
