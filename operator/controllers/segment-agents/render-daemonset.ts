// The DaemonSet of a segment's boot agents (ADR 0013), as a pure function of the WaltSegment and the
// operator's agent configuration: what the operator server-side applies, and what the tests read.
// One pod per Kubernetes node labelled segment.walt.dev/<segment>=true; the leader of the segment's
// Lease serves the lab, the others wait warm. Every privilege is here, each with its reason:
// - init container "netsetup": privileged, with the pod's hostPID: it enters the host's network
//   namespace (PID 1's) to move the lab NIC into the pod (CAP_SYS_ADMIN for setns, CAP_NET_ADMIN on
//   both sides), then makes the bridge walt0 in the pod;
// - agent container: privileged, as root: taps for virtual nodes and their bridge ports, router
//   advertisements (CAP_NET_ADMIN, /dev/net/tun); nfs-ganesha in a private mount namespace with its
//   own rpcbind (unshare + mount: CAP_SYS_ADMIN and no AppArmor/seccomp mount denial) reading files by
//   handle (CAP_DAC_READ_SEARCH); qemu with /dev/kvm (a device the default device cgroup refuses);
//   unpacking images with their owners, modes and device nodes (CHOWN, FOWNER, MKNOD); DHCP, TFTP,
//   HTTP and NFS on ports below 1024.
// The preStop hook hands the lab NIC back to the host, so a veth (which would die with the pod's
// network namespace) survives a rolling update; a physical NIC returns to the host on its own.
import type * as k8s from '@kubernetes/client-node';
import {
  AGENT_POD_BRIDGE,
  agentServiceUrl,
  agentWorkloadName,
  segmentNodeLabel,
} from '../../../api/agent/workload.js';
import { AGENT_NAMESPACE, agentServiceAccountName } from '../../../api/rbac/segment-agent.js';
import type { WaltSegment } from '../../../api/v1alpha1/index.js';
import type { AgentDeployConfig } from './config.js';

/** Where the pod mounts its hostPath cache (image cache, SQLite log store, DHCP leases). */
export const AGENT_CACHE_MOUNT = '/var/lib/walt/agent';
/** The agent's /healthz and /metrics (runtime/health.ts), on the pod address. */
export const AGENT_HEALTH_PORT = 8082;
const NETSETUP = '/usr/local/bin/walt-agent-netsetup';

/** The labels of a segment's agent pods (the DaemonSet's and the Service's selector). */
export function agentPodLabels(segment: string): Record<string, string> {
  return { 'app.kubernetes.io/name': 'walt-agent', 'walt.dev/segment': segment };
}

export function agentLabels(segment: string): Record<string, string> {
  return {
    ...agentPodLabels(segment),
    'app.kubernetes.io/part-of': 'walt',
    'app.kubernetes.io/component': 'boot-agent',
    'app.kubernetes.io/managed-by': 'walt-operator',
  };
}

/** "a.b.c.d/nn": the segment's server address with the subnet's prefix length (the bridge's address). */
export function bridgeAddress(segment: WaltSegment): string {
  const prefix = segment.spec.subnet.split('/')[1];
  return `${segment.spec.serverAddress}/${prefix}`;
}

const fieldEnv = (name: string, fieldPath: string): k8s.V1EnvVar => ({
  name,
  valueFrom: { fieldRef: { fieldPath } },
});

function agentEnv(config: AgentDeployConfig): k8s.V1EnvVar[] {
  return [
    fieldEnv('POD_NAME', 'metadata.name'),
    fieldEnv('POD_NAMESPACE', 'metadata.namespace'),
    fieldEnv('POD_IP', 'status.podIP'),
    ...(config.qemuAccel ? [{ name: 'WALT_QEMU_ACCEL', value: config.qemuAccel }] : []),
    // The DSN comes from the Secret at pod start; the operator never reads it.
    ...(config.logStore.kind === 'postgres'
      ? [{ name: 'WALT_LOG_STORE', valueFrom: { secretKeyRef: { ...config.logStore.secret } } }]
      : []),
  ];
}

function agentArgs(segment: string, config: AgentDeployConfig, serviceIp?: string): string[] {
  return [
    `--segment=${segment}`,
    '--boot',
    `--bridge=${AGENT_POD_BRIDGE}`,
    `--cache-dir=${AGENT_CACHE_MOUNT}`,
    // The pod's own address, never a wildcard: walt0 (the lab) is in the same namespace (api-listen.ts).
    `--api-listen=$(POD_IP):${config.apiPort}`,
    `--api-url=${agentServiceUrl(segment, config.apiPort, AGENT_NAMESPACE, serviceIp)}`,
    `--health-host=$(POD_IP)`,
    `--health-port=${AGENT_HEALTH_PORT}`,
    '--lease-namespace=$(POD_NAMESPACE)',
    '--identity=$(POD_NAME)',
  ];
}

function agentContainer(
  segment: WaltSegment,
  config: AgentDeployConfig,
  serviceIp?: string,
): k8s.V1Container {
  const name = segment.metadata.name;
  return {
    name: 'agent',
    image: config.image,
    ...(config.pullPolicy ? { imagePullPolicy: config.pullPolicy } : {}),
    command: ['node', '/app/dist/agents/main.js'],
    args: agentArgs(name, config, serviceIp),
    env: agentEnv(config),
    ports: [
      { name: 'api', containerPort: config.apiPort, protocol: 'TCP' },
      { name: 'health', containerPort: AGENT_HEALTH_PORT, protocol: 'TCP' },
    ],
    // Ready only where the API listener runs, i.e. on the leader: the Service's one endpoint.
    readinessProbe: { httpGet: { path: '/readyz', port: 'api' }, periodSeconds: 5, failureThreshold: 1 },
    livenessProbe: {
      httpGet: { path: '/healthz', port: 'health' },
      initialDelaySeconds: 30,
      periodSeconds: 20,
      failureThreshold: 3,
    },
    lifecycle: {
      preStop: { exec: { command: [NETSETUP, 'release', segment.spec.interface] } },
    },
    securityContext: { privileged: true, runAsUser: 0 },
    volumeMounts: [{ name: 'cache', mountPath: AGENT_CACHE_MOUNT }],
    ...(config.resources ? { resources: config.resources } : {}),
  };
}

function netsetupContainer(segment: WaltSegment, config: AgentDeployConfig): k8s.V1Container {
  return {
    name: 'netsetup',
    image: config.image,
    ...(config.pullPolicy ? { imagePullPolicy: config.pullPolicy } : {}),
    command: [NETSETUP],
    args: [segment.spec.interface, bridgeAddress(segment), AGENT_POD_BRIDGE],
    securityContext: { privileged: true, runAsUser: 0 },
  };
}

/**
 * The DaemonSet walt-agent-<segment> in walt-system (no owner reference: the caller adds it).
 * `serviceIp`: the cluster IP of the agents' Service, published as the agent's API URL.
 */
export function renderDaemonSet(
  segment: WaltSegment,
  config: AgentDeployConfig,
  serviceIp?: string,
): k8s.V1DaemonSet {
  const name = segment.metadata.name;
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: agentWorkloadName(name), namespace: AGENT_NAMESPACE, labels: agentLabels(name) },
    spec: {
      selector: { matchLabels: agentPodLabels(name) },
      // maxSurge 0: on each node the old pod is gone before the new one starts, so two agents never
      // hold a node's lab interface at once. maxUnavailable 100%: only the leader is ever Ready (its
      // readiness is the Service's), so the DaemonSet controller counts every new standby as
      // unavailable and, with a budget of 1, would never replace the old leader once a standby was
      // replaced (ADR 0013). Standbys serve nothing: replacing them together costs no service.
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '100%', maxSurge: 0 } },
      template: {
        metadata: { labels: agentLabels(name) },
        spec: {
          serviceAccountName: agentServiceAccountName(name),
          automountServiceAccountToken: true,
          // For the init container's nsenter into the host's network namespace, and the preStop
          // hook's hand-back (PID 1 is the host's init). Pod-wide: Kubernetes has no per-container hostPID.
          hostPID: true,
          nodeSelector: { [segmentNodeLabel(name)]: 'true' },
          ...(config.tolerations.length ? { tolerations: config.tolerations } : {}),
          // The agent stops its services, releases its Lease and hands the NIC back.
          terminationGracePeriodSeconds: 30,
          initContainers: [netsetupContainer(segment, config)],
          containers: [agentContainer(segment, config, serviceIp)],
          volumes: [
            {
              name: 'cache',
              hostPath: { path: `${config.cacheHostPath}/${name}`, type: 'DirectoryOrCreate' },
            },
          ],
        },
      },
    },
  };
}
