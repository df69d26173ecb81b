// Coded errors of the local kubelet node (local/kubenode): each says which log file to read.
import { defineError } from '../../common/errors.js';

export const KubeNodeBusy = defineError(
  'WALT_ERR_KUBENODE_BUSY',
  (ownerPid: number, claim: string) =>
    `a kubelet node is still running on this machine for process ${ownerPid} (claim ${claim}); ` +
    'one node per machine (kube-proxy and the kubelet own host-wide state): run such suites one at a time ' +
    '(jest --runInBand) or stop that process',
  409,
);

export const KubeNodeComponentFailed = defineError(
  'WALT_ERR_KUBENODE_COMPONENT_FAILED',
  (component: string, why: string, logFile: string, tail: string) =>
    `${component} of the kubelet node did not start: ${why}; read ${logFile}\n--- last lines ---\n${tail}`,
  500,
);

export const KubeNodeNotReady = defineError(
  'WALT_ERR_KUBENODE_NOT_READY',
  (node: string, ms: number, condition: string, logDir: string) =>
    `node ${node} was not Ready within ${ms} ms (${condition}); read kubelet.log and containerd.log in ${logDir}`,
  504,
);

export const KubeNodeMissingTool = defineError(
  'WALT_ERR_KUBENODE_MISSING_TOOL',
  (tool: string, fix: string) => `the kubelet node needs ${tool}: ${fix}`,
  500,
);

export const KubeNodePauseBuildFailed = defineError(
  'WALT_ERR_KUBENODE_PAUSE_BUILD_FAILED',
  (step: string, detail: string) => `building the pause image failed at "${step}": ${detail}`,
  500,
);

export const KubeNodePodsNotAdmitted = defineError(
  'WALT_ERR_KUBENODE_PODS_NOT_ADMITTED',
  (ms: number, last: string) =>
    `pods were not admitted within ${ms} ms (${last}); read kube-controller-manager.log of the control plane ` +
    '(it makes the default ServiceAccount)',
  504,
);
