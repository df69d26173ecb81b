// Nodes for scripts (WalT's api.nodes): read them, boot an image, reboot, wait until they run the
// wanted image, run commands and copy files through the agent of each node's segment. The checks are
// the CLI's (node sets, image models); ownership is left to the caller (WalT's force=True).
import { ERR_CLI_IMAGE_NOT_FOUND, ERR_CLI_TIMEOUT, ERR_CLI_UNKNOWN_NODES } from './errors.js';
import { isBooted } from '../api/node/index.js';
import { REBOOT_MODE_ANNOTATION, REBOOT_REQUESTED_AT_ANNOTATION } from '../api/node/index.js';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { ExecRequest, ExecResult } from '../api/agent/v1.js';
import { RESOURCES, type WaltImage, type WaltNode } from '../api/v1alpha1/index.js';
import type { ObjectClient } from './objects.js';
import { checkModels, parseImageArg, specImageOf } from './image-ref.js';
import { effectiveImage, resolveNodeSet, type Ownership } from './node-sets.js';
import { watchUntil, type WatchFn } from './watch.js';
import type { AgentDirectory } from './agents.js';
import { nodePath, planCopy } from './copy-plan.js';
import { packLocal, unpackLocal } from './local-tar.js';

export interface NodesDeps {
  objects: ObjectClient;
  agents: AgentDirectory;
  owner: Ownership;
  watch: WatchFn;
}

export interface NodesApi {
  list(set?: string): Promise<WaltNode[]>;
  get(name: string): Promise<WaltNode | undefined>;
  /** Sets spec.image ("default", "<image>" of the namespace, "<namespace>/<image>"). */
  boot(names: string | readonly string[], image: string): Promise<void>;
  reboot(names: string | readonly string[], options?: { hard?: boolean }): Promise<void>;
  /** Until every node is Ready on the image it boots (a claim's, else spec.image) and no reboot is pending. */
  wait(names: string | readonly string[], options?: { timeoutMs?: number }): Promise<WaltNode[]>;
  /** A command on the node; waits up to 300 s for its command channel unless connectTimeoutSeconds says otherwise. */
  run(node: string, command: readonly string[], options?: Omit<ExecRequest, 'command'>): Promise<ExecResult>;
  /** Local `source` to `destination` on the node (into it if it is a directory, like cp). */
  copyTo(node: string, source: string, destination: string): Promise<void>;
  /** `source` on the node to local `destination` (into it if it is a directory). */
  copyFrom(node: string, source: string, destination: string): Promise<void>;
}

/**
 * How long run() waits for a node's command channel by default, as `walt node run` does: a node that
 * just notified its bootup (nodes.wait is over) opens the channel a moment later; the agent's own
 * default (0) would fail at once with WALT_ERR_NODE_NOT_CONNECTED.
 */
export const DEFAULT_CONNECT_TIMEOUT_SECONDS = 300;

const setOf = (names: string | readonly string[]): string =>
  typeof names === 'string' ? names : names.join(',');

/** Ready on the image it should boot (its claim's, else its spec's: `effectiveImage`). */
export function runsWantedImage(node: WaltNode, owner: Ownership): boolean {
  if (!isBooted(node)) return false;
  const booted = node.status?.bootedImage?.name;
  return booted === undefined || booted === effectiveImage(node, owner);
}

async function isLocalDir(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

export function createNodesApi(deps: NodesDeps): NodesApi {
  const { objects, agents, owner } = deps;
  const all = async (): Promise<WaltNode[]> => (await objects.list<WaltNode>(RESOURCES.node)).items;
  const select = async (set: string): Promise<WaltNode[]> => resolveNodeSet(set, await all(), owner);
  const nodeNamed = async (name: string): Promise<WaltNode> => {
    const node = await objects.get<WaltNode>(RESOURCES.node, name);
    if (!node) throw ERR_CLI_UNKNOWN_NODES([name]);
    return node;
  };
  const agentOf = async (name: string) => agents.forSegment((await nodeNamed(name)).spec.segment);
  const run: NodesApi['run'] = async (node, command, options = {}) =>
    (await agentOf(node)).exec(node, {
      connectTimeoutSeconds: DEFAULT_CONNECT_TIMEOUT_SECONDS,
      ...options,
      command: [...command],
    });
  return {
    list: async (set) => (set ? select(set) : all()),
    get: (name) => objects.get<WaltNode>(RESOURCES.node, name),
    async boot(names, image) {
      const nodes = await select(setOf(names));
      const choice = parseImageArg(image, owner.namespace);
      if (choice.kind === 'image') {
        const found = await objects.get<WaltImage>(RESOURCES.image, choice.name, choice.namespace);
        if (!found) throw ERR_CLI_IMAGE_NOT_FOUND(specImageOf(choice));
        checkModels(found, nodes);
      }
      const patch = { spec: { image: specImageOf(choice) } };
      for (const n of nodes) await objects.mergePatch(RESOURCES.node, { name: n.metadata.name }, patch);
    },
    async reboot(names, options = {}) {
      const annotations = {
        [REBOOT_REQUESTED_AT_ANNOTATION]: new Date().toISOString(),
        [REBOOT_MODE_ANNOTATION]: options.hard ? 'hard' : 'soft',
      };
      for (const n of await select(setOf(names))) {
        await objects.mergePatch(RESOURCES.node, { name: n.metadata.name }, { metadata: { annotations } });
      }
    },
    async wait(names, options = {}) {
      const wanted = (await select(setOf(names))).map((n) => n.metadata.name);
      const timeoutMs = options.timeoutMs ?? 600_000;
      return watchUntil<WaltNode, WaltNode[]>({
        path: objects.collectionPath(RESOURCES.node),
        list: () => objects.list<WaltNode>(RESOURCES.node),
        check: (found) => {
          const nodes = wanted.map((name) => found.get(name));
          if (nodes.some((n) => n === undefined))
            throw ERR_CLI_UNKNOWN_NODES(wanted.filter((w) => !found.has(w)));
          return nodes.every((n) => runsWantedImage(n!, owner)) ? (nodes as WaltNode[]) : undefined;
        },
        timeoutMs,
        onTimeout: () => ERR_CLI_TIMEOUT(`waiting for ${wanted.join(', ')}`, `${timeoutMs} ms`),
        watch: deps.watch,
      });
    },
    run,
    async copyTo(node, source, destination) {
      const target = nodePath(destination);
      const isDir = (await run(node, ['test', '-d', target])).exitCode === 0;
      const plan = planCopy(source, target, isDir);
      await (await agentOf(node)).putFiles(node, plan.dir, await packLocal(source, plan.name));
    },
    async copyFrom(node, source, destination) {
      const local = path.resolve(destination);
      const plan = planCopy(nodePath(source), local, await isLocalDir(local));
      const tar = await (await agentOf(node)).getFiles(node, nodePath(source));
      await unpackLocal(tar, plan.dir, plan.entry, plan.name);
    },
  };
}
