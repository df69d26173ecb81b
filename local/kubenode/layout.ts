// Where the local kubelet node keeps its files: one work dir (configs, logs, kubelet and containerd
// data, state.json) and a short runtime dir under /run (containerd's sockets: a unix socket path is
// limited to 108 bytes). One node per machine, so both paths are fixed and a crashed run's are found.
import os from 'node:os';
import path from 'node:path';
import type { NodeLayout } from './config.js';

export interface NodeDirs extends NodeLayout {
  workDir: string;
  runDir: string;
  logDir: string;
  configDir: string;
  pkiDir: string;
  stateFile: string;
}

export function defaultWorkDir(): string {
  if (process.env.WALT_KUBENODE_DIR) return process.env.WALT_KUBENODE_DIR;
  const base = process.env.XDG_STATE_HOME ?? path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'walt-operator', 'kubenode');
}

export const RUN_DIR = '/run/walt-kubenode';

export function nodeDirs(workDir = defaultWorkDir(), runDir = RUN_DIR): NodeDirs {
  const w = (p: string): string => path.join(workDir, p);
  return {
    workDir,
    runDir,
    logDir: w('logs'),
    configDir: w('config'),
    pkiDir: w('pki'),
    stateFile: w('state.json'),
    containerdRoot: w('containerd'),
    containerdState: path.join(runDir, 'containerd'),
    containerdSocket: path.join(runDir, 'containerd.sock'),
    registryConfigDir: w('config/registry-hosts'),
    cniConfDir: w('config/cni'),
    cniBinDir: process.env.WALT_CNI_BIN_DIR ?? '/usr/lib/cni',
    ipamDir: w('cni-ipam'),
    kubeletRoot: w('kubelet'),
    podLogsDir: w('pod-logs'),
  };
}
