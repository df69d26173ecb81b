// A registry client for one WaltImage: plain http when the image says so, credentials from its pull
// secret (a kubernetes.io/dockerconfigjson Secret in the image's namespace).
import * as k8s from '@kubernetes/client-node';
import { defineError } from '../common/errors.js';
import type { WaltImage } from '../api/v1alpha1/index.js';
import { credentialsFromDockerConfig } from './auth.js';
import { RegistryClient } from './client.js';
import { InvalidPullSecret } from './errors.js';
import { parseReference } from './reference.js';

export const PullSecretNotFound = defineError(
  'WALT_ERR_REGISTRY_PULL_SECRET_NOT_FOUND',
  (namespace: string, name: string) =>
    `pull secret ${namespace}/${name} does not exist: create it (kubectl create secret docker-registry ${name} -n ${namespace} ...) or remove spec.pullSecret`,
  404,
);

export type SecretReader = (namespace: string, name: string) => Promise<Record<string, string> | undefined>;

export function secretReader(kc: k8s.KubeConfig): SecretReader {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  return async (namespace, name) => {
    try {
      return (await core.readNamespacedSecret({ namespace, name })).data ?? {};
    } catch (error) {
      if ((error as { code?: number }).code === 404) return undefined;
      throw error;
    }
  };
}

export async function clientForImage(image: WaltImage, readSecret: SecretReader): Promise<RegistryClient> {
  const insecure = image.spec.insecureRegistry ?? false;
  const secretName = image.spec.pullSecret?.name;
  if (!secretName) return new RegistryClient({ insecure });
  const namespace = image.metadata.namespace ?? 'default';
  const data = await readSecret(namespace, secretName);
  if (!data) throw PullSecretNotFound(namespace, secretName);
  const payload = data['.dockerconfigjson'] ?? data['.dockercfg'];
  if (!payload)
    throw InvalidPullSecret(
      'no .dockerconfigjson key: the secret type must be kubernetes.io/dockerconfigjson',
    );
  const credentials = credentialsFromDockerConfig(
    Buffer.from(payload, 'base64'),
    parseReference(image.spec.ref).registry,
  );
  return new RegistryClient({ insecure, ...(credentials ? { credentials } : {}) });
}
