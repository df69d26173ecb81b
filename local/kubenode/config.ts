// The configuration files of the local kubelet node, as pure functions of its layout: containerd's
// config (CRI with the fixes this host needs), the registry hosts file that lets containerd pull from
// a plain-HTTP registry on loopback, the CNI conflist and the kubelet's KubeletConfiguration.
// The reasons behind each setting are in docs/kube-node.md.
import { stringify } from 'yaml';

export interface NodeLayout {
  /** Data of containerd (images, snapshots) and of the kubelet, under the node's work dir. */
  containerdRoot: string;
  /** containerd's runtime state (short: shim sockets live there), also where pod netns are mounted. */
  containerdState: string;
  containerdSocket: string;
  /** containerd's registry hosts directory (`<host:port>/hosts.toml`). */
  registryConfigDir: string;
  cniConfDir: string;
  cniBinDir: string;
  /** host-local IPAM's lease files. */
  ipamDir: string;
  kubeletRoot: string;
  podLogsDir: string;
}

export interface NodeNetwork {
  /** Linux bridge of the pods (≤ 15 characters). */
  bridge: string;
  /** The pods' private /24 (host-local IPAM; the bridge takes its first address). */
  podCidr: string;
  /** Private address of this machine (dummy interface): apiserver, kubelet and NodePorts listen there. */
  nodeIp: string;
}

export function containerdConfig(layout: NodeLayout, sandboxImage: string): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return [
    'version = 2',
    `root = ${JSON.stringify(layout.containerdRoot)}`,
    `state = ${JSON.stringify(layout.containerdState)}`,
    // Snapshotters this host cannot use only add warnings.
    'disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", ' +
      '"io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]',
    '',
    '[grpc]',
    `  address = ${JSON.stringify(layout.containerdSocket)}`,
    '[ttrpc]',
    `  address = ${JSON.stringify(`${layout.containerdSocket}.ttrpc`)}`,
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = ${JSON.stringify(`${layout.containerdRoot}/opt`)}`,
    '',
    `[${cri}]`,
    `  sandbox_image = ${JSON.stringify(sandboxImage)}`,
    // root lacks CAP_SYS_RESOURCE here: runc may not lower oom_score_adj below the caller's.
    '  restrict_oom_score_adj = true',
    // Pod network namespaces under our state dir, so that cleanup finds every one of them.
    '  netns_mounts_under_state_dir = true',
    '  stream_server_address = "127.0.0.1"',
    `[${cri}.cni]`,
    `  bin_dir = ${JSON.stringify(layout.cniBinDir)}`,
    `  conf_dir = ${JSON.stringify(layout.cniConfDir)}`,
    '  max_conf_num = 1',
    `[${cri}.containerd]`,
    '  snapshotter = "overlayfs"',
    '  default_runtime_name = "runc"',
    `[${cri}.containerd.runtimes.runc]`,
    '  runtime_type = "io.containerd.runc.v2"',
    `[${cri}.containerd.runtimes.runc.options]`,
    '  SystemdCgroup = false',
    `[${cri}.registry]`,
    `  config_path = ${JSON.stringify(layout.registryConfigDir)}`,
    '',
  ].join('\n');
}

/** `hosts.toml` for a plain-HTTP registry (`host:port`): pull and resolve over http://. */
export function registryHostsToml(registry: string): string {
  const url = `http://${registry}`;
  return [
    `server = ${JSON.stringify(url)}`,
    '',
    `[host.${JSON.stringify(url)}]`,
    '  capabilities = ["pull", "resolve"]',
    '',
  ].join('\n');
}

export const CNI_NETWORK_NAME = 'walt-kubenode';

/** Bridge + host-local + portmap. No masquerade: pod traffic never leaves this machine. */
export function cniConflist(network: NodeNetwork, layout: Pick<NodeLayout, 'ipamDir'>): string {
  return (
    JSON.stringify(
      {
        cniVersion: '1.0.0',
        name: CNI_NETWORK_NAME,
        plugins: [
          {
            type: 'bridge',
            bridge: network.bridge,
            isGateway: true,
            ipMasq: false,
            hairpinMode: true,
            ipam: {
              type: 'host-local',
              ranges: [[{ subnet: network.podCidr }]],
              routes: [{ dst: '0.0.0.0/0' }],
              dataDir: layout.ipamDir,
            },
          },
          { type: 'portmap', capabilities: { portMappings: true } },
        ],
      },
      null,
      2,
    ) + '\n'
  );
}

export interface KubeletSettings {
  caCert: string;
  port: number;
  healthzPort: number;
}

export function kubeletConfig(layout: NodeLayout, network: NodeNetwork, settings: KubeletSettings): string {
  return stringify({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    address: network.nodeIp,
    port: settings.port,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: settings.healthzPort,
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: true },
      x509: { clientCAFile: settings.caCert },
    },
    authorization: { mode: 'Webhook' },
    // This host runs cgroup v1 (hybrid) without systemd.
    failCgroupV1: false,
    cgroupDriver: 'cgroupfs',
    failSwapOn: false,
    containerRuntimeEndpoint: `unix://${layout.containerdSocket}`,
    podLogsDir: layout.podLogsDir,
    clusterDomain: 'cluster.local',
    // A shared disk: do not evict test pods or collect images because other work fills it.
    evictionHard: {
      'memory.available': '50Mi',
      'nodefs.available': '1%',
      'nodefs.inodesFree': '1%',
      'imagefs.available': '1%',
    },
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    serializeImagePulls: false,
    registerNode: true,
    maxPods: 110,
  });
}
