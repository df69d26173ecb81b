// Command lines of the node's four processes (containerd, kubelet, kube-scheduler, kube-proxy),
// derived from the node's dirs, network, ports and binaries: pure, tested as functions.
import path from 'node:path';
import type { NodeNetwork } from './config.js';
import type { NodeDirs } from './layout.js';

export const NODE_COMPONENTS = ['containerd', 'kubelet', 'kube-scheduler', 'kube-proxy'] as const;
export type NodeComponent = (typeof NODE_COMPONENTS)[number];

export interface NodePorts {
  kubelet: number;
  kubeletHealthz: number;
  scheduler: number;
  proxyHealthz: number;
  proxyMetrics: number;
}

export interface NodeLaunchInput {
  dirs: NodeDirs;
  network: NodeNetwork;
  ports: NodePorts;
  nodeName: string;
  binDir: string;
  containerdBinary: string;
}

export interface NodeLaunch {
  binary: string;
  args: string[];
  /** HTTP(S) endpoint answering 200 once the process serves (none for containerd: ctr is asked). */
  healthUrl?: string;
}

export function kubeconfigOf(dirs: NodeDirs, component: Exclude<NodeComponent, 'containerd'>): string {
  return path.join(dirs.configDir, `${component}.kubeconfig`);
}

export function nodeLaunchOf(component: NodeComponent, input: NodeLaunchInput): NodeLaunch {
  const { dirs, network, ports, nodeName, binDir } = input;
  switch (component) {
    case 'containerd':
      return {
        binary: input.containerdBinary,
        args: ['--config', path.join(dirs.configDir, 'containerd.toml'), '--log-level', 'warn'],
      };
    case 'kubelet':
      return {
        binary: path.join(binDir, 'kubelet'),
        args: [
          `--config=${path.join(dirs.configDir, 'kubelet.yaml')}`,
          `--kubeconfig=${kubeconfigOf(dirs, 'kubelet')}`,
          `--hostname-override=${nodeName}`,
          `--node-ip=${network.nodeIp}`,
          `--root-dir=${dirs.kubeletRoot}`,
          `--cert-dir=${path.join(dirs.pkiDir, 'kubelet-serving')}`,
          '--v=1',
        ],
        healthUrl: `http://127.0.0.1:${ports.kubeletHealthz}/healthz`,
      };
    case 'kube-scheduler': {
      const kubeconfig = kubeconfigOf(dirs, 'kube-scheduler');
      return {
        binary: path.join(binDir, 'kube-scheduler'),
        args: [
          `--kubeconfig=${kubeconfig}`,
          `--authentication-kubeconfig=${kubeconfig}`,
          `--authorization-kubeconfig=${kubeconfig}`,
          '--bind-address=127.0.0.1',
          `--secure-port=${ports.scheduler}`,
          '--leader-elect=false',
          '--v=1',
        ],
        healthUrl: `https://127.0.0.1:${ports.scheduler}/healthz`,
      };
    }
    case 'kube-proxy':
      return {
        binary: path.join(binDir, 'kube-proxy'),
        args: proxyArgs(input),
        healthUrl: `http://127.0.0.1:${ports.proxyHealthz}/livez`,
      };
  }
}

function proxyArgs({ dirs, network, ports, nodeName }: NodeLaunchInput): string[] {
  return [
    `--kubeconfig=${kubeconfigOf(dirs, 'kube-proxy')}`,
    '--proxy-mode=iptables',
    `--hostname-override=${nodeName}`,
    `--cluster-cidr=${network.podCidr}`,
    // Leave the host's conntrack table and timeouts as they are (its sysctls are not ours to change).
    '--conntrack-max-per-core=0',
    '--conntrack-tcp-timeout-established=0',
    '--conntrack-tcp-timeout-close-wait=0',
    // NodePorts only on the node's private address: nothing is exposed on the machine's real interfaces.
    `--nodeport-addresses=${network.nodeIp}/32`,
    `--healthz-bind-address=127.0.0.1:${ports.proxyHealthz}`,
    `--metrics-bind-address=127.0.0.1:${ports.proxyMetrics}`,
    '--v=1',
  ];
}
