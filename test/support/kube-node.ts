// A control plane reachable from pods plus one Ready kubelet node, for tests that run real pods (the
// Helm chart, the agents' DaemonSets). The control plane is the node's own (own instance dir and
// ports; the suite's global one keeps running beside it); containerd pulls from a plain-HTTP registry
// on loopback: the caller's, or one started here. stop() removes everything: processes, mounts, the
// pods' bridge, the address interface, iptables chains. One node per machine (see docs/kube-node.md).
import * as k8s from '@kubernetes/client-node';
import { startKubeNodeCluster, type KubeNodeCluster } from '../../local/kubenode/cluster.js';
import { startRegistry, type TestRegistry } from '../../local/lab/registry.js';

export interface KubeNodeOptions {
  /** A running plain-HTTP registry ("127.0.0.1:<port>"); default: one started for the node. */
  registry?: string;
  nodeName?: string;
  /** How long to wait for the Node to be Ready (default 180 s). */
  readyTimeoutMs?: number;
}

export interface KubeNode {
  kc: k8s.KubeConfig;
  kubeconfigPath: string;
  nodeName: string;
  /** "host:port" of the registry containerd pulls from over plain HTTP. */
  registry: string;
  /** Directory of kubectl, helm and the other binaries of the cluster. */
  binDir: string;
  /** containerd.log, kubelet.log, kube-scheduler.log, kube-proxy.log (gone after stop()). */
  logDir: string;
  timings: KubeNodeCluster['timings'];
  stop(): Promise<void>;
}

export async function startKubeNode(options: KubeNodeOptions = {}): Promise<KubeNode> {
  let ownRegistry: TestRegistry | undefined;
  const registry = options.registry ?? (ownRegistry = await startRegistry()).host;
  let cluster: KubeNodeCluster;
  try {
    cluster = await startKubeNodeCluster({
      registries: [registry],
      ...(options.nodeName ? { nodeName: options.nodeName } : {}),
      ...(options.readyTimeoutMs ? { readyTimeoutMs: options.readyTimeoutMs } : {}),
      log: (line) => process.stderr.write(`[kube-node] ${line}\n`),
    });
  } catch (error) {
    await ownRegistry?.stop();
    throw error;
  }
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  return {
    kc,
    kubeconfigPath: cluster.kubeconfig,
    nodeName: cluster.nodeName,
    registry,
    binDir: cluster.binDir,
    logDir: cluster.dirs.logDir,
    timings: cluster.timings,
    stop: async () => {
      try {
        await cluster.stop();
      } finally {
        await ownRegistry?.stop();
      }
    },
  };
}
