// ConfigMaps of copy steps: files to send come from one in the experiment's namespace; files fetched
// from nodes are kept in one per node, owned by the experiment (deleted with it).
import * as k8s from '@kubernetes/client-node';
import type { Experiment } from '../../../api/v1alpha1/index.js';
import { createApplier, ownerReference } from '../../../runtime/index.js';
import { FIELD_MANAGER, FETCHED_FILES_KEY } from './constants.js';
import { ERR_CONFIGMAP_KEY } from './errors.js';

export interface ConfigMapStore {
  /** The bytes of `key` (data or binaryData) of ConfigMap `name`. */
  readKey(namespace: string, name: string, key: string): Promise<Buffer>;
  /** Creates or replaces ConfigMap `name` holding `tar` under files.tar, owned by `owner`. */
  saveFiles(owner: Experiment, name: string, tar: Buffer): Promise<void>;
}

/** The value of `key` in a ConfigMap (pure). */
export function configMapValue(cm: k8s.V1ConfigMap, key: string): Buffer | undefined {
  const text = cm.data?.[key];
  if (text !== undefined) return Buffer.from(text);
  const binary = cm.binaryData?.[key];
  return binary === undefined ? undefined : Buffer.from(binary, 'base64');
}

export function createConfigMapStore(kc: k8s.KubeConfig): ConfigMapStore {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const applier = createApplier(kc, FIELD_MANAGER);
  return {
    async readKey(namespace, name, key) {
      const cm = await core.readNamespacedConfigMap({ namespace, name });
      const value = configMapValue(cm, key);
      if (!value) throw ERR_CONFIGMAP_KEY(`${namespace}/${name}`, key);
      return value;
    },
    async saveFiles(owner, name, tar) {
      const body: k8s.V1ConfigMap = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name,
          namespace: owner.metadata.namespace,
          labels: { 'walt.dev/experiment': owner.metadata.name },
          ownerReferences: [ownerReference(owner, { controller: true, blockOwnerDeletion: false })],
        },
        binaryData: { [FETCHED_FILES_KEY]: tar.toString('base64') },
      };
      await applier.apply(body);
    },
  };
}
