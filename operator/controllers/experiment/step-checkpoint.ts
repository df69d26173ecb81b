// A `checkpoint` step: the checkpoint is added, owned by the experiment's namespace, in the log store
// of each agent serving a target node (one call per segment).
import { describeFailure, type AgentResolver } from './agent-of-node.js';
import type { TaskBody } from './tasks.js';

export interface CheckpointStepInput {
  name: string;
  owner: string;
  nodes: readonly string[];
  agents: AgentResolver;
}

async function addOn(segment: string, input: CheckpointStepInput): Promise<string | undefined> {
  try {
    const agent = await input.agents.forSegment(segment);
    await agent.addCheckpoint({ name: input.name, owner: input.owner });
    return undefined;
  } catch (error) {
    return describeFailure(error);
  }
}

export function checkpointStepTask(input: CheckpointStepInput): TaskBody {
  return async (ctx) => {
    const segments = [...new Set(input.nodes.map((n) => input.agents.segmentOf(n)))].sort();
    const errors = new Map<string, string | undefined>();
    await Promise.all(segments.map(async (s) => errors.set(s, await addOn(s, input))));
    for (const node of input.nodes) {
      const segment = input.agents.segmentOf(node);
      const error = errors.get(segment);
      ctx.report({ node, message: error ?? `checkpoint ${input.name} added on segment ${segment}` });
    }
    const failed = segments.filter((s) => errors.get(s) !== undefined);
    return {
      ok: failed.length === 0,
      results: [],
      ...(failed.length
        ? { message: `failed on segment ${failed.join(', ')}: ${errors.get(failed[0]!)}` }
        : {}),
    };
  };
}
