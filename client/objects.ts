// The CLI's access to walt.dev objects: the reconcile runtime's resource client for one kind at a time, namespaced or
// not, with every failure turned into a coded error. Writes are merge patches, server-side applies or
// creates recorded under the field manager "walt-cli", so `kubectl get -o yaml --show-managed-fields` says who changed what.
import * as k8s from '@kubernetes/client-node';
import type { Resource } from '../api/v1alpha1/index.js';
import { isNotFound, translateApiError } from './api-errors.js';
import type { Kube } from './kube.js';
import { createResourceClient, type ObjectRef, type ResourceClient } from '../runtime/index.js';

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

/** "WaltNode vn1", "WaltImage lab/debian", for messages. */
export function describeObject(resource: Resource, name: string, namespace?: string): string {
  return `${resource.kind} ${resource.namespaced && namespace ? `${namespace}/` : ''}${name}`;
}

const MERGE = k8s.PatchStrategy.MergePatch;
const APPLY = k8s.PatchStrategy.ServerSideApply;
const AS_CLI = { fieldManager: FIELD_MANAGER };

/** The runtime's resource client for each kind, with every failure turned into a coded error. */
class CliObjectClient implements ObjectClient {
  private readonly clients = new Map<string, ResourceClient<k8s.KubernetesObject>>();

  constructor(readonly kube: Kube) {}

  private client<T extends k8s.KubernetesObject>(resource: Resource): ResourceClient<T> {
    let client = this.clients.get(resource.plural);
    if (!client) {
      client = createResourceClient(this.kube.kc, resource);
      this.clients.set(resource.plural, client);
    }
    return client as unknown as ResourceClient<T>;
  }

  private ref(resource: Resource, name: string, namespace?: string): ObjectRef {
    return resource.namespaced ? { name, namespace: namespace ?? this.kube.namespace } : { name };
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
    const namespace = resource.namespaced ? (options.namespace ?? this.kube.namespace) : undefined;
    const what = `${resource.plural}${namespace ? ` in namespace ${namespace}` : ''}`;
    const listed = await this.call('list', what, () =>
      this.client<T>(resource).list({
        namespace,
        labelSelector: options.labelSelector,
        fieldSelector: options.fieldSelector,
      }),
    );
    return { items: listed.items, resourceVersion: listed.metadata?.resourceVersion };
  }

  async get<T extends k8s.KubernetesObject>(
    resource: Resource,
    name: string,
    namespace?: string,
  ): Promise<T | undefined> {
    const ref = this.ref(resource, name, namespace);
    try {
      return await this.client<T>(resource).get(ref);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw translateApiError(error, {
        verb: 'read',
        object: describeObject(resource, name, ref.namespace),
        server: this.kube.server,
      });
    }
  }

  async create<T extends k8s.KubernetesObject>(resource: Resource, body: T): Promise<T> {
    const ref = this.ref(resource, body.metadata?.name ?? '?', body.metadata?.namespace);
    const placed = ref.namespace
      ? { ...body, metadata: { ...body.metadata, namespace: ref.namespace } }
      : body;
    return this.call('create', describeObject(resource, ref.name, ref.namespace), () =>
      this.client<T>(resource).create(placed, AS_CLI),
    );
  }

  async mergePatch<T extends k8s.KubernetesObject>(
    resource: Resource,
    target: { name: string; namespace?: string },
    patch: object,
  ): Promise<T> {
    const ref = this.ref(resource, target.name, target.namespace);
    return this.call('update', describeObject(resource, ref.name, ref.namespace), () =>
      this.client<T>(resource).patch(ref, patch, MERGE, AS_CLI),
    );
  }

  async mergePatchStatus<T extends k8s.KubernetesObject>(
    resource: Resource,
    target: { name: string; namespace?: string },
    patch: object,
  ): Promise<T> {
    const ref = this.ref(resource, target.name, target.namespace);
    return this.call('update', `the status of ${describeObject(resource, ref.name, ref.namespace)}`, () =>
      this.client<T>(resource).patchStatus(ref, patch, MERGE, AS_CLI),
    );
  }

  async apply<T extends k8s.KubernetesObject>(resource: Resource, body: T): Promise<T> {
    const ref = this.ref(resource, body.metadata?.name ?? '?', body.metadata?.namespace);
    return this.call('apply', describeObject(resource, ref.name, ref.namespace), () =>
      this.client<T>(resource).patch(ref, body, APPLY, AS_CLI),
    );
  }

  async remove(resource: Resource, name: string, namespace?: string): Promise<void> {
    const ref = this.ref(resource, name, namespace);
    await this.call('delete', describeObject(resource, name, ref.namespace), () =>
      this.client(resource).remove(ref),
    );
  }

  collectionPath(resource: Resource, namespace?: string): string {
    const ns = resource.namespaced ? (namespace ?? this.kube.namespace) : undefined;
    return this.client(resource).collectionPath(ns);
  }
}

export function createObjectClient(kube: Kube): ObjectClient {
  return new CliObjectClient(kube);
}
