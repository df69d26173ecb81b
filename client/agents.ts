// The agents of the cluster, one per WaltSegment: the one that serves a segment (exec, files of its
// nodes) and all of them (logs, checkpoints: each agent keeps the logs of its segment). Segments are
// read once; a segment whose agent has not published its API, or published a URL no token may be sent
// to (WALT_ERR_AGENT_URL_REFUSED, ADR 0011), is left out of "all" (named in `missing`, the refusal
// reported to `onLeftOut`) but fails clearly when asked for by name: one misconfigured segment does
// not stop a cluster-wide log query. Reads across agents leave out an agent that cannot be reached
// the same way (`leaveOut`, client/logs.ts).
import type * as k8s from '@kubernetes/client-node';
import type { AgentOperations } from '../api/agent/v1.js';
import { ERR_AGENT_URL_REFUSED } from '../api/agent/api-url.js';
import type { WaltSegment } from '../api/v1alpha1/index.js';
import { isWaltError, type WaltError } from '../common/errors.js';
import { agentOf, type AgentOptions } from './agent.js';
import { ERR_AGENT_NO_SEGMENT, ERR_AGENT_NOT_PUBLISHED, ERR_AGENT_SEGMENT_NOT_FOUND } from './errors.js';

export interface AgentDirectory {
  /** The agent of a segment. */
  forSegment(segment: string): Promise<AgentOperations>;
  /** Every agent that published its API (at least one, else an error). */
  all(): Promise<AgentOperations[]>;
  /** The same, each with its segment's name. */
  allBySegment(): Promise<SegmentAgent[]>;
  /** Segments whose agent has not published its API, had its URL refused or was unreachable. */
  missing(): Promise<string[]>;
  /** A read across agents did without `segment`'s (unreachable): named in missing(), reported once. */
  leaveOut(segment: string, error: WaltError): void;
}

export interface SegmentAgent {
  segment: string;
  agent: AgentOperations;
}

/** Told once per segment left out of a read across agents (URL refused, agent unreachable). */
export type LeftOutListener = (segment: string, error: WaltError) => void;

export function createAgentDirectory(
  kc: k8s.KubeConfig,
  listSegments: () => Promise<WaltSegment[]>,
  options: AgentOptions = {},
  onLeftOut: LeftOutListener = () => undefined,
): AgentDirectory {
  let segments: Promise<WaltSegment[]> | undefined;
  const agents = new Map<string, AgentOperations>();
  const refused = new Map<string, WaltError>();
  const read = (): Promise<WaltSegment[]> => (segments ??= listSegments());
  const agentFor = (segment: WaltSegment): AgentOperations => {
    const name = segment.metadata.name;
    if (!agents.has(name)) agents.set(name, agentOf(kc, segment, options));
    return agents.get(name)!;
  };
  const published = (s: WaltSegment): boolean => Boolean(s.status?.agent?.apiUrl);
  /** The segment's agent, or undefined when its URL is refused (remembered and reported once). */
  const usable = (segment: WaltSegment): AgentOperations | undefined => {
    const name = segment.metadata.name;
    if (refused.has(name)) return undefined;
    try {
      return agentFor(segment);
    } catch (error) {
      if (!isWaltError(error, ERR_AGENT_URL_REFUSED)) throw error;
      refused.set(name, error);
      onLeftOut(name, error);
      return undefined;
    }
  };
  const allBySegment = async (): Promise<SegmentAgent[]> => {
    const all = await read();
    if (all.length === 0) throw ERR_AGENT_NO_SEGMENT();
    const live = all.filter(published);
    if (live.length === 0) throw ERR_AGENT_NOT_PUBLISHED(all.map((s) => s.metadata.name).join(', '));
    const found = live.flatMap((s) => {
      const agent = usable(s);
      return agent ? [{ segment: s.metadata.name, agent }] : [];
    });
    // Every published URL refused: the first refusal says what to fix.
    if (found.length === 0) throw refused.values().next().value!;
    return found;
  };
  return {
    async forSegment(name) {
      const segment = (await read()).find((s) => s.metadata.name === name);
      if (!segment) throw ERR_AGENT_SEGMENT_NOT_FOUND(name);
      return agentFor(segment);
    },
    all: async () => (await allBySegment()).map((s) => s.agent),
    allBySegment,
    async missing() {
      return (await read())
        .filter((s) => !published(s) || refused.has(s.metadata.name))
        .map((s) => s.metadata.name);
    },
    leaveOut(segment, error) {
      if (refused.has(segment)) return;
      refused.set(segment, error);
      onLeftOut(segment, error);
    },
  };
}
