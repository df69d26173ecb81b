// The walt-operator client library (what WalT's Python `walt.client.api` offers): nodes, images, logs
// and experiments of the cluster a kubeconfig points at, in its current namespace ("you", as for the
// CLI). Kubernetes objects go through the API server; commands, files and logs through the boot agent
// of each segment (api/agent/v1.ts).
//
//   const walt = createWaltClient();
//   await walt.nodes.boot('vn1', 'debian');
//   await walt.nodes.wait('vn1');
//   const { exitCode, output } = await walt.nodes.run('vn1', ['uname', '-a']);
import * as k8s from '@kubernetes/client-node';
import { loadKubeConfig } from '../common/kube-config.js';
import { RESOURCES, type WaltSegment } from '../api/v1alpha1/index.js';
import { createObjectClient } from './objects.js';
import { namespaceOf } from './kube.js';
import { defaultImageNamespace } from './node-sets.js';
import { kubeWatch } from './watch.js';
import type { AgentOptions } from './agent.js';
import { createAgentDirectory } from './agents.js';
import { createLogsApi, type LogsApi } from './logs.js';
import { createNodesApi, type NodesApi } from './nodes.js';
import { createExperimentsApi, createImagesApi, type ExperimentsApi, type ImagesApi } from './resources.js';

export { connectAgent, agentOf, type AgentOptions } from './agent.js';
export type { AgentDirectory } from './agents.js';
export type { LogsApi } from './logs.js';
export type { NodesApi } from './nodes.js';
export type { ExperimentsApi, ImagesApi } from './resources.js';

export interface WaltClientOptions {
  /** Default: loaded as kubectl does (KUBECONFIG, ~/.kube/config, in-cluster). */
  kubeconfig?: k8s.KubeConfig;
  /** Default: the current context's namespace, else "default". */
  namespace?: string;
  agent?: AgentOptions;
}

export interface WaltClient {
  readonly namespace: string;
  nodes: NodesApi;
  images: ImagesApi;
  logs: LogsApi;
  experiments: ExperimentsApi;
}

export function createWaltClient(options: WaltClientOptions = {}): WaltClient {
  const kc = options.kubeconfig ?? loadKubeConfig();
  const namespace = namespaceOf(kc, options.namespace);
  const objects = createObjectClient({ kc, namespace, server: kc.getCurrentCluster()?.server ?? '?' });
  const agents = createAgentDirectory(
    kc,
    async () => (await objects.list<WaltSegment>(RESOURCES.segment)).items,
    options.agent,
  );
  const owner = { namespace, defaultImageNamespace: defaultImageNamespace() };
  return {
    namespace,
    nodes: createNodesApi({ objects, agents, owner, watch: kubeWatch(kc) }),
    images: createImagesApi(objects, namespace),
    logs: createLogsApi(agents),
    experiments: createExperimentsApi(objects, namespace),
  };
}
