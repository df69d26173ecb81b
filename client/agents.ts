// The agents of the cluster, one per WaltSegment: the one that serves a segment (exec, files of its
// nodes) and all of them (logs, checkpoints: each agent keeps the logs of its segment). Segments are
// read once; a segment whose agent has not published its API is left out of "all" (named in `missing`)
// but fails clearly when asked for by name.
import type * as k8s from '@kubernetes/client-node';
import type { AgentOperations } from '../api/agent/v1.js';
import type { WaltSegment } from '../api/v1alpha1/index.js';
import { agentOf, type AgentOptions } from './agent.js';
import { ERR_AGENT_NO_SEGMENT, ERR_AGENT_NOT_PUBLISHED, ERR_AGENT_SEGMENT_NOT_FOUND } from './errors.js';

export interface AgentDirectory {
  /** The agent of a segment. */
  forSegment(segment: string): Promise<AgentOperations>;
  /** Every agent that published its API (at least one, else an error). */
  all(): Promise<AgentOperations[]>;
  /** Segments whose agent has not published its API (known after all()). */
  missing(): Promise<string[]>;
}

export function createAgentDirectory(
  kc: k8s.KubeConfig,
  listSegments: () => Promise<WaltSegment[]>,
  options: AgentOptions = {},
): AgentDirectory {
  let segments: Promise<WaltSegment[]> | undefined;
  const agents = new Map<string, AgentOperations>();
  const read = (): Promise<WaltSegment[]> => (segments ??= listSegments());
  const agentFor = (segment: WaltSegment): AgentOperations => {
    const name = segment.metadata.name;
    if (!agents.has(name)) agents.set(name, agentOf(kc, segment, options));
    return agents.get(name)!;
  };
  const published = (s: WaltSegment): boolean => Boolean(s.status?.agent?.apiUrl);
  return {
    async forSegment(name) {
      const segment = (await read()).find((s) => s.metadata.name === name);
      if (!segment) throw ERR_AGENT_SEGMENT_NOT_FOUND(name);
      return agentFor(segment);
    },
    async all() {
      const all = await read();
      if (all.length === 0) throw ERR_AGENT_NO_SEGMENT();
      const live = all.filter(published);
      if (live.length === 0) throw ERR_AGENT_NOT_PUBLISHED(all.map((s) => s.metadata.name).join(', '));
      return live.map(agentFor);
    },
    async missing() {
      return (await read()).filter((s) => !published(s)).map((s) => s.metadata.name);
    },
  };
}
