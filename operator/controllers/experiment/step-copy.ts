// A `copy` step. toNode: the source is "configmap:<name>/<key>" in the experiment's namespace; the
// value becomes one file named like the destination's last component, sent as a tar to the
// destination's directory. fromNode: the agent's tar of the source path on each node is kept in the
// ConfigMap <experiment>-<step>-<node> (binaryData files.tar, owned by the experiment), refused over
// 900 KiB (what a ConfigMap holds with room to spare).
import type { Experiment } from '../../../api/v1alpha1/index.js';
import { describeFailure, type AgentResolver } from './agent-of-node.js';
import type { ConfigMapStore } from './configmaps.js';
import { FETCHED_FILES_KEY, FETCHED_FILES_LIMIT_BYTES } from './constants.js';
import { ERR_FILES_TOO_LARGE } from './errors.js';
import { fetchedConfigMapName, parseConfigMapSource, splitDestination, type Step } from './steps.js';
import type { TaskBody, TaskContext } from './tasks.js';
import { buildTar } from './ustar.js';

export interface CopyStepInput {
  experiment: Experiment;
  step: string;
  copy: NonNullable<Step['copy']>;
  nodes: readonly string[];
  agents: AgentResolver;
  configMaps: ConfigMapStore;
  now?: () => number;
}

type NodeAction = (node: string) => Promise<string>;

/** Runs `action` on every node at once; resolves "<node>: <why>" for each that failed. */
async function each(nodes: readonly string[], action: NodeAction, ctx: TaskContext): Promise<string[]> {
  const failed: string[] = [];
  await Promise.all(
    nodes.map(async (node) => {
      try {
        ctx.report({ node, message: await action(node) });
      } catch (error) {
        const message = describeFailure(error);
        failed.push(`${node}: ${message}`);
        ctx.report({ node, message });
      }
    }),
  );
  return failed.sort();
}

async function toNodeAction(input: CopyStepInput): Promise<NodeAction> {
  const { copy, experiment } = input;
  const source = parseConfigMapSource(copy.source);
  const content = await input.configMaps.readKey(
    experiment.metadata.namespace ?? '',
    source.name,
    source.key,
  );
  const { dir, file } = splitDestination(copy.destination);
  const mtime = Math.floor((input.now?.() ?? Date.now()) / 1000);
  const tar = buildTar([{ name: file, content, mtime }]);
  return async (node) => {
    const agent = await input.agents.forNode(node);
    await agent.putFiles(node, dir, tar);
    return `copied ${content.length} bytes to ${copy.destination}`;
  };
}

function fromNodeAction(input: CopyStepInput): NodeAction {
  const { copy, experiment, step } = input;
  return async (node) => {
    const agent = await input.agents.forNode(node);
    const tar = await agent.getFiles(node, copy.source);
    if (tar.length > FETCHED_FILES_LIMIT_BYTES) {
      throw ERR_FILES_TOO_LARGE(copy.source, tar.length, FETCHED_FILES_LIMIT_BYTES);
    }
    const name = fetchedConfigMapName(experiment.metadata.name, step, node);
    await input.configMaps.saveFiles(experiment, name, tar);
    return `saved a ${tar.length}-byte tar of ${copy.source} in ConfigMap ${name} (key ${FETCHED_FILES_KEY})`;
  };
}

export function copyStepTask(input: CopyStepInput): TaskBody {
  return async (ctx) => {
    const action = input.copy.direction === 'toNode' ? await toNodeAction(input) : fromNodeAction(input);
    const failed = await each(input.nodes, action, ctx);
    return {
      ok: failed.length === 0,
      results: [],
      ...(failed.length ? { message: failed.join('; ') } : {}),
    };
  };
}
