// Shared bits of the operator-runtime integration suites: the WaltImage resource, object builders and
// a poll helper.
import * as k8s from '@kubernetes/client-node';
import type { ResourceType } from '../../runtime/index.js';

export const waltImages: ResourceType = {
  group: 'walt.dev',
  version: 'v1alpha1',
  plural: 'waltimages',
  namespaced: true,
  kind: 'WaltImage',
};

export interface WaltImageObject extends k8s.KubernetesObject {
  spec: { ref: string };
  status?: { observedGeneration?: number; conditions?: Array<Record<string, unknown>> };
}

export function images(kc: k8s.KubeConfig): {
  create(namespace: string, name: string, ref?: string, finalizers?: string[]): Promise<WaltImageObject>;
  get(namespace: string, name: string): Promise<WaltImageObject | undefined>;
  setRef(namespace: string, name: string, ref: string): Promise<WaltImageObject>;
  remove(namespace: string, name: string): Promise<void>;
} {
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const base = { group: 'walt.dev', version: 'v1alpha1', plural: 'waltimages' };
  return {
    async create(namespace, name, ref = 'busybox:1.36', finalizers?: string[]) {
      const metadata = { name, ...(finalizers ? { finalizers } : {}) };
      const body = { apiVersion: 'walt.dev/v1alpha1', kind: 'WaltImage', metadata, spec: { ref } };
      return (await api.createNamespacedCustomObject({ ...base, namespace, body })) as WaltImageObject;
    },
    async get(namespace, name) {
      try {
        return (await api.getNamespacedCustomObject({ ...base, namespace, name })) as WaltImageObject;
      } catch (err) {
        if ((err as { code?: number }).code === 404) return undefined;
        throw err;
      }
    },
    async setRef(namespace, name, ref) {
      return (await api.patchNamespacedCustomObject(
        { ...base, namespace, name, body: { spec: { ref } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      )) as WaltImageObject;
    },
    async remove(namespace, name) {
      await api.deleteNamespacedCustomObject({ ...base, namespace, name });
    },
  };
}

/** Polls `check` until it returns a value other than undefined/false, or throws after `timeoutMs`. */
export async function eventually<R>(
  what: string,
  check: () => R | undefined | false | Promise<R | undefined | false>,
  timeoutMs = 20_000,
): Promise<R> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
