// Coded errors of the client library (client/). The agent's own errors keep the agent's code and HTTP
// status (agent-response.ts); these are the client's: an agent that cannot be reached or found.
import { defineError } from '../common/errors.js';

export const ERR_AGENT_UNREACHABLE = defineError(
  'WALT_ERR_AGENT_UNREACHABLE',
  (segment: string, url: string, detail: string) =>
    `cannot reach the boot agent of segment ${segment} at ${url} (${detail}): is it running, and is status.agent.apiUrl reachable from here?`,
  503,
);

export const ERR_AGENT_NOT_PUBLISHED = defineError(
  'WALT_ERR_AGENT_NOT_PUBLISHED',
  (segment: string) =>
    `the agent of segment ${segment} has not published its API yet (status.agent.apiUrl): is it running?`,
  503,
);

export const ERR_AGENT_SEGMENT_NOT_FOUND = defineError(
  'WALT_ERR_AGENT_SEGMENT_NOT_FOUND',
  (segment: string) => `segment ${segment} does not exist (kubectl get waltsegments lists them)`,
  404,
);

export const ERR_AGENT_NO_SEGMENT = defineError(
  'WALT_ERR_AGENT_NO_SEGMENT',
  () => 'there is no WaltSegment, so no boot agent to ask (create one: examples/segment.yaml)',
  404,
);

export const ERR_AGENT_TOKEN = defineError(
  'WALT_ERR_AGENT_TOKEN',
  (segment: string, secret: string, detail: string) =>
    `cannot read the token of the agent of segment ${segment} (Secret ${secret}, key "token"): ${detail}`,
  403,
);

export const ERR_AGENT_PROTOCOL = defineError(
  'WALT_ERR_AGENT_PROTOCOL',
  (url: string, detail: string) => `unexpected answer from the boot agent at ${url}: ${detail}`,
  502,
);

export const ERR_AGENT_FAILED = defineError(
  'WALT_ERR_AGENT_FAILED',
  (url: string, status: number, detail: string) =>
    `the boot agent at ${url} answered HTTP ${status}: ${detail}`,
  502,
);

export const ERR_LOCAL_TAR = defineError(
  'WALT_ERR_LOCAL_TAR',
  (command: string, detail: string) => `tar ${command} failed: ${detail}`,
  500,
);

export const ERR_AGENT_ANSWER_TRUNCATED = defineError(
  'WALT_ERR_AGENT_ANSWER_TRUNCATED',
  (url: string, reason: string) =>
    `the boot agent at ${url} cut its answer short (${reason}): narrow the query (issuers, streams, ` +
    'a time range) so that it reads fewer lines',
  503,
);
