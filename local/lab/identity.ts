// Who the lab's processes are (ADR 0011): config/rbac (namespace, the shared agent ClusterRole, the
// operator's rights, the admission policies) and the per-segment identity of the agent
// (segmentAgentRbac) applied to the cluster, and a kubeconfig that acts as a ServiceAccount by
// impersonation (the lab's admin certificate may impersonate; in a cluster, the pod's own token).
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { AGENT_NAMESPACE, segmentAgentRbac, serviceAccountUser } from '../../api/rbac/segment-agent.js';
import { PooledKubeConfig } from '../../common/kube-config.js';

/** config/rbac of this checkout. */
export const RBAC_DIR = path.resolve(import.meta.dirname, '..', '..', 'config', 'rbac');

const FIELD_MANAGER = 'walt-lab-identity';

/** The objects of config/rbac, namespace.yaml first. */
export async function rbacConfigObjects(dir = RBAC_DIR): Promise<k8s.KubernetesObject[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort();
  const ordered = ['namespace.yaml', ...files.filter((f) => f !== 'namespace.yaml')];
  const objects: k8s.KubernetesObject[] = [];
  for (const file of ordered) {
    for (const doc of parseAllDocuments(await readFile(path.join(dir, file), 'utf8'))) {
      const object = doc.toJSON() as k8s.KubernetesObject | null;
      if (object) objects.push(object);
    }
  }
  return objects;
}

async function apply(kc: k8s.KubeConfig, objects: readonly k8s.KubernetesObject[]): Promise<void> {
  const client = k8s.KubernetesObjectApi.makeApiClient(kc);
  for (const object of objects) {
    await client.patch(object, undefined, undefined, FIELD_MANAGER, true, k8s.PatchStrategy.ServerSideApply);
  }
}

/** Applies config/rbac and the identity of the agent of each segment named. */
export async function applyIdentities(kc: k8s.KubeConfig, segments: readonly string[]): Promise<void> {
  await apply(kc, await rbacConfigObjects());
  for (const segment of segments) await apply(kc, segmentAgentRbac(segment));
}

/** `admin` acting as ServiceAccount `name` of `namespace` (impersonation). */
export function asServiceAccount(
  admin: k8s.KubeConfig,
  name: string,
  namespace = AGENT_NAMESPACE,
): k8s.KubeConfig {
  const cluster = admin.getCurrentCluster()!;
  const user = admin.getCurrentUser()!;
  const kc = new PooledKubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ ...user, name, impersonateUser: serviceAccountUser(name, namespace) }],
    contexts: [{ name, cluster: cluster.name, user: name }],
    currentContext: name,
  });
  return kc;
}
