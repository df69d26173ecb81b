// The CLI's access to walt.dev objects: CustomObjectsApi calls for one kind at a time, namespaced or
// not, with every failure turned into a coded error. Writes are merge patches, server-side applies or
// creates recorded under the field manager "walt-cli", so `kubectl get -o yaml --show-managed-fields` says who changed what.
import * as k8s from '@kubernetes/client-node';
import type { Resource } from '../api/v1alpha1/index.js';
import { isNotFound, translateApiError } from './api-errors.js';
import type { Kube } from './kube.js';

export const FIELD_MANAGER = 'walt-cli';

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface Listed<T> {
  items: T[];
  resourceVersion?: string;
}

export interface ObjectClient {
  readonly kube: Kube;
  list<T extends k8s.KubernetesObject>(resource: Resource, options?: ListOptions): Promise<Listed<T>>;
  /** The object, or undefined when it does not exist. */
  get<T extends k8s.KubernetesObject>(
    resource: Resource,
    name: string,
    namespace?: string,
  ): Promise<T | undefined>;
  create<T extends k8s.KubernetesObject>(resource: Resource, body: T): Promise<T>;
  mergePatch<T extends k8s.KubernetesObject>(
    resource: Resource,
    target: { name: string; namespace?: string },
    patch: object,
  ): Promise<T>;
  /** A merge patch of the status subresource (a metadata.resourceVersion in it is a precondition). */
  mergePatchStatus<T extends k8s.KubernetesObject>(
    resource: Resource,
    target: { name: string; namespace?: string },
    patch: object,
  ): Promise<T>;
  /** Server-side apply of `body` (field manager walt-cli; conflicts with other managers are forced). */
  apply<T extends k8s.KubernetesObject>(resource: Resource, body: T): Promise<T>;
  remove(resource: Resource, name: string, namespace?: string): Promise<void>;
  /** The URL path of a collection, for watches. */
  collectionPath(resource: Resource, namespace?: string): string;
}

const mergePatchHeader = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const applyHeader = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply);

/** "WaltNode vn1", "WaltImage lab/debian", for messages. */
export function describeObject(resource: Resource, name: string, namespace?: string): string {
  return `${resource.kind} ${resource.namespaced && namespace ? `${namespace}/` : ''}${name}`;
}

class CustomObjectsClient implements ObjectClient {
  private readonly api: k8s.CustomObjectsApi;

  constructor(readonly kube: Kube) {
    this.api = kube.kc.makeApiClient(k8s.CustomObjectsApi);
  }

  private base(resource: Resource): { group: string; version: string; plural: string } {
    return { group: resource.group, version: resource.version, plural: resource.plural };
  }

  private ns(resource: Resource, namespace?: string): string | undefined {
    return resource.namespaced ? (namespace ?? this.kube.namespace) : undefined;
  }

  private async call<R>(verb: string, object: string, run: () => Promise<R>): Promise<R> {
    try {
      return await run();
    } catch (error) {
      throw translateApiError(error, { verb, object, server: this.kube.server });
    }
  }

  async list<T extends k8s.KubernetesObject>(
    resource: Resource,
    options: ListOptions = {},
  ): Promise<Listed<T>> {
    const namespace = this.ns(resource, options.namespace);
    const params = {
      ...this.base(resource),
      labelSelector: options.labelSelector,
      fieldSelector: options.fieldSelector,
    };
    const what = `${resource.plural}${namespace ? ` in namespace ${namespace}` : ''}`;
    const listed = (await this.call('list', what, () =>
      namespace
        ? this.api.listNamespacedCustomObject({ ...params, namespace })
        : this.api.listClusterCustomObject(params),
    )) as k8s.KubernetesListObject<T>;
    return { items: listed.items, resourceVersion: listed.metadata?.resourceVersion };
  }

  async get<T extends k8s.KubernetesObject>(
    resource: Resource,
    name: string,
    namespace?: string,
  ): Promise<T | undefined> {
    const ns = this.ns(resource, namespace);
    const params = { ...this.base(resource), name };
    try {
      return (await (ns
        ? this.api.getNamespacedCustomObject({ ...params, namespace: ns })
        : this.api.getClusterCustomObject(params))) as T;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw translateApiError(error, {
        verb: 'read',
        object: describeObject(resource, name, ns),
        server: this.kube.server,
      });
    }
  }

  async create<T extends k8s.KubernetesObject>(resource: Resource, body: T): Promise<T> {
    const ns = this.ns(resource, body.metadata?.namespace);
    const params = { ...this.base(resource), body, fieldManager: FIELD_MANAGER };
    const object = describeObject(resource, body.metadata?.name ?? '?', ns);
    return (await this.call('create', object, () =>
      ns
        ? this.api.createNamespacedCustomObject({ ...params, namespace: ns })
        : this.api.createClusterCustomObject(params),
    )) as T;
  }

  async mergePatch<T extends k8s.KubernetesObject>(
    resource: Resource,
    target: { name: string; namespace?: string },
    patch: object,
  ): Promise<T> {
    const ns = this.ns(resource, target.namespace);
    const params = { ...this.base(resource), name: target.name, body: patch, fieldManager: FIELD_MANAGER };
    const object = describeObject(resource, target.name, ns);
    return (await this.call('update', object, () =>
      ns
        ? this.api.patchNamespacedCustomObject({ ...params, namespace: ns }, mergePatchHeader)
        : this.api.patchClusterCustomObject(params, mergePatchHeader),
    )) as T;
  }

  async mergePatchStatus<T extends k8s.KubernetesObject>(
    resource: Resource,
    target: { name: string; namespace?: string },
    patch: object,
  ): Promise<T> {
    const ns = this.ns(resource, target.namespace);
    const params = { ...this.base(resource), name: target.name, body: patch, fieldManager: FIELD_MANAGER };
    const object = `the status of ${describeObject(resource, target.name, ns)}`;
    return (await this.call('update', object, () =>
      ns
        ? this.api.patchNamespacedCustomObjectStatus({ ...params, namespace: ns }, mergePatchHeader)
        : this.api.patchClusterCustomObjectStatus(params, mergePatchHeader),
    )) as T;
  }

  async apply<T extends k8s.KubernetesObject>(resource: Resource, body: T): Promise<T> {
    const ns = this.ns(resource, body.metadata?.namespace);
    const name = body.metadata?.name ?? '?';
    const params = { ...this.base(resource), name, body, fieldManager: FIELD_MANAGER, force: true };
    return (await this.call('apply', describeObject(resource, name, ns), () =>
      ns
        ? this.api.patchNamespacedCustomObject({ ...params, namespace: ns }, applyHeader)
        : this.api.patchClusterCustomObject(params, applyHeader),
    )) as T;
  }

  async remove(resource: Resource, name: string, namespace?: string): Promise<void> {
    const ns = this.ns(resource, namespace);
    const params = { ...this.base(resource), name };
    await this.call('delete', describeObject(resource, name, ns), () =>
      ns
        ? this.api.deleteNamespacedCustomObject({ ...params, namespace: ns })
        : this.api.deleteClusterCustomObject(params),
    );
  }

  collectionPath(resource: Resource, namespace?: string): string {
    const ns = this.ns(resource, namespace);
    return `/apis/${resource.group}/${resource.version}${ns ? `/namespaces/${ns}` : ''}/${resource.plural}`;
  }
}

export function createObjectClient(kube: Kube): ObjectClient {
  return new CustomObjectsClient(kube);
}
