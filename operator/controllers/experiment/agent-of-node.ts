// Which boot agent serves a node: the agent of the node's segment, through the operator's agentFor.
import type { AgentOperations } from '../../../api/agent/v1.js';
import { ERR_NO_AGENT } from './errors.js';

export type AgentFor = (segment: string) => Promise<AgentOperations>;

export interface AgentResolver {
  segmentOf(node: string): string;
  forSegment(segment: string): Promise<AgentOperations>;
  forNode(node: string): Promise<AgentOperations>;
}

/** `segmentOf` reads the node cache; without `agentFor` every lookup fails with WALT_ERR_EXPERIMENT_NO_AGENT. */
export function agentResolver(
  agentFor: AgentFor | undefined,
  segmentOf: (node: string) => string,
): AgentResolver {
  const forSegment = (segment: string): Promise<AgentOperations> =>
    agentFor ? agentFor(segment) : Promise.reject(ERR_NO_AGENT(segment));
  return { segmentOf, forSegment, forNode: (node) => forSegment(segmentOf(node)) };
}

/** "WALT_ERR_…: message" for a coded error, else the message. */
export function describeFailure(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' && code.startsWith('WALT_ERR_') ? `${code}: ${message}` : message;
}
