// Command lines of the three control-plane components, derived from an instance's state.
import path from 'node:path';
import type { InstanceState } from './instance.js';
import type { HealthTarget } from './health.js';

export const COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager'] as const;
export type Component = (typeof COMPONENTS)[number];

export interface ComponentLaunch {
  binary: string;
  args: string[];
  health: HealthTarget;
  startTimeoutMs: number;
}

/** The cluster's Service range; its first address is the `kubernetes` Service's ClusterIP. */
export const SERVICE_CIDR = '10.96.0.0/16';
export const KUBERNETES_SERVICE_IP = '10.96.0.1';
export const LOOPBACK = '127.0.0.1';

/** Where the apiserver listens (loopback unless the instance was started with an address). */
export function apiserverAddress(state: Pick<InstanceState, 'address'>): string {
  return state.address ?? LOOPBACK;
}

function etcd(state: InstanceState): ComponentLaunch {
  const { etcdClient, etcdPeer } = state.ports;
  const client = `http://127.0.0.1:${etcdClient}`;
  const peer = `http://127.0.0.1:${etcdPeer}`;
  const args = [
    '--name=default',
    `--data-dir=${path.join(state.dir, 'etcd')}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=default=${peer}`,
    '--log-level=warn',
  ];
  // Throwaway test clusters do not need durable writes; skipping fsync makes them much faster.
  if (state.ephemeral) args.push('--unsafe-no-fsync=true');
  return {
    binary: path.join(state.binDir, 'etcd'),
    args,
    health: { url: `${client}/health` },
    startTimeoutMs: 30000,
  };
}

// On loopback no pod can reach the apiserver, and the 'kubernetes' Service refuses a loopback
// endpoint: no endpoints then. On a private address the default (lease) reconciler publishes it.
function addressArgs(address: string): string[] {
  const args = [`--bind-address=${address}`, `--advertise-address=${address}`];
  if (address === LOOPBACK) args.push('--endpoint-reconciler-type=none');
  return args;
}

function apiserver(state: InstanceState): ComponentLaunch {
  const pki = state.pki;
  const address = apiserverAddress(state);
  return {
    binary: path.join(state.binDir, 'kube-apiserver'),
    args: [
      `--etcd-servers=http://127.0.0.1:${state.ports.etcdClient}`,
      `--etcd-prefix=/registry`,
      ...addressArgs(address),
      `--secure-port=${state.ports.apiserver}`,
      `--cert-dir=${path.join(state.dir, 'pki')}`,
      `--tls-cert-file=${pki.apiserverCert}`,
      `--tls-private-key-file=${pki.apiserverKey}`,
      `--client-ca-file=${pki.caCert}`,
      `--service-account-key-file=${pki.serviceAccountPub}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      '--authorization-mode=RBAC',
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      '--allow-privileged=true',
      // logs, exec and port-forward on a kubelet node (local/kubenode): the admin identity.
      `--kubelet-client-certificate=${pki.adminCert}`,
      `--kubelet-client-key=${pki.adminKey}`,
      // A local node's name resolves nowhere: reach its kubelet on its address.
      '--kubelet-preferred-address-types=InternalIP,Hostname',
      '--profiling=false',
      '--v=1',
    ],
    health: { url: `https://${address}:${state.ports.apiserver}/readyz`, caFile: pki.caCert },
    startTimeoutMs: 90000,
  };
}

function controllerManager(state: InstanceState): ComponentLaunch {
  const pki = state.pki;
  const kubeconfig = path.join(state.dir, 'controller-manager.kubeconfig');
  return {
    binary: path.join(state.binDir, 'kube-controller-manager'),
    args: [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${state.ports.controllerManager}`,
      `--cert-dir=${path.join(state.dir, 'controller-manager-certs')}`,
      `--service-account-private-key-file=${pki.serviceAccountKey}`,
      `--root-ca-file=${pki.caCert}`,
      `--cluster-signing-cert-file=${pki.caCert}`,
      `--cluster-signing-key-file=${pki.caKey}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      '--use-service-account-credentials=true',
      '--leader-elect=false',
      '--profiling=false',
      '--v=1',
    ],
    health: { url: `https://127.0.0.1:${state.ports.controllerManager}/healthz`, insecure: true },
    startTimeoutMs: 60000,
  };
}

export function launchOf(component: Component, state: InstanceState): ComponentLaunch {
  switch (component) {
    case 'etcd':
      return etcd(state);
    case 'kube-apiserver':
      return apiserver(state);
    case 'kube-controller-manager':
      return controllerManager(state);
  }
}
