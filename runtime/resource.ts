// Addressing one kind of resource generically (any named API group, CRDs included) through
// CustomObjectsApi, so the other runtime files need not branch on namespaced vs cluster-scoped.
import * as k8s from '@kubernetes/client-node';
import { ERR_CORE_GROUP_UNSUPPORTED } from './errors.js';

export interface ResourceType {
  group: string;
  version: string;
  plural: string;
  namespaced: boolean;
  /** Kind, for objects the API returns without one (lists of built-in types); CRs carry their own. */
  kind?: string;
}

export interface ObjectRef {
  name: string;
  namespace?: string;
}

export type Patch = k8s.PatchStrategy;

/** Which objects a list returns (a namespaced kind without a namespace: every namespace). */
export interface ListSelection {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface ResourceClient<T extends k8s.KubernetesObject> {
  readonly resource: ResourceType;
  get(ref: ObjectRef): Promise<T>;
  list(options: ListSelection): Promise<k8s.KubernetesListObject<T>>;
  create(body: T, options?: { fieldManager?: string }): Promise<T>;
  remove(ref: ObjectRef): Promise<void>;
  patch(ref: ObjectRef, body: unknown, strategy: Patch, apply?: { fieldManager: string }): Promise<T>;
  patchStatus(ref: ObjectRef, body: unknown, strategy: Patch, apply?: { fieldManager: string }): Promise<T>;
  /** The path a watch uses (collection, optionally in one namespace). */
  collectionPath(namespace?: string): string;
}

export function apiVersionOf(resource: ResourceType): string {
  return resource.group ? `${resource.group}/${resource.version}` : resource.version;
}

/** "namespace/name" or "name", for messages. */
export function describeRef(ref: ObjectRef): string {
  return ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name;
}

export function refOf(obj: k8s.KubernetesObject): ObjectRef {
  const ref: ObjectRef = { name: obj.metadata?.name ?? '' };
  if (obj.metadata?.namespace) ref.namespace = obj.metadata.namespace;
  return ref;
}

/** The HTTP status of a failed API call, or undefined for transport errors. */
export function statusCodeOf(error: unknown): number | undefined {
  if (error instanceof k8s.ApiException) return error.code;
  const e = error as { code?: unknown; statusCode?: unknown } | undefined;
  if (typeof e?.statusCode === 'number') return e.statusCode;
  return typeof e?.code === 'number' ? e.code : undefined;
}

/** A short description of an API or transport error (ApiException messages carry all headers). */
export function describeError(error: unknown): string {
  if (error instanceof k8s.ApiException) {
    const body = error.body as unknown;
    const parsed = typeof body === 'string' ? safeParse(body) : body;
    const message = (parsed as { message?: unknown } | undefined)?.message;
    return `HTTP ${error.code}: ${typeof message === 'string' ? message : String(body).slice(0, 300)}`;
  }
  return error instanceof Error ? error.message : String(error);
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function patchOptions(strategy: Patch): ReturnType<typeof k8s.setHeaderOptions> {
  return k8s.setHeaderOptions('Content-Type', strategy);
}

class CustomResourceClient<T extends k8s.KubernetesObject> implements ResourceClient<T> {
  private readonly api: k8s.CustomObjectsApi;

  constructor(
    kc: k8s.KubeConfig,
    readonly resource: ResourceType,
  ) {
    if (!resource.group) throw ERR_CORE_GROUP_UNSUPPORTED(resource.plural);
    this.api = kc.makeApiClient(k8s.CustomObjectsApi);
  }

  private base(): { group: string; version: string; plural: string } {
    const { group, version, plural } = this.resource;
    return { group, version, plural };
  }

  async get(ref: ObjectRef): Promise<T> {
    const read = this.resource.namespaced
      ? this.api.getNamespacedCustomObject({ ...this.base(), namespace: ref.namespace ?? '', name: ref.name })
      : this.api.getClusterCustomObject({ ...this.base(), name: ref.name });
    return (await read) as T;
  }

  async list(options: ListSelection): Promise<k8s.KubernetesListObject<T>> {
    const { namespace, labelSelector, fieldSelector } = options;
    const read =
      this.resource.namespaced && namespace
        ? this.api.listNamespacedCustomObject({ ...this.base(), namespace, labelSelector, fieldSelector })
        : this.api.listClusterCustomObject({ ...this.base(), labelSelector, fieldSelector });
    return (await read) as k8s.KubernetesListObject<T>;
  }

  async create(body: T, options: { fieldManager?: string } = {}): Promise<T> {
    const params = { ...this.base(), body, fieldManager: options.fieldManager };
    const namespace = body.metadata?.namespace;
    const call =
      this.resource.namespaced && namespace
        ? this.api.createNamespacedCustomObject({ ...params, namespace })
        : this.api.createClusterCustomObject(params);
    return (await call) as T;
  }

  async remove(ref: ObjectRef): Promise<void> {
    const params = { ...this.base(), name: ref.name };
    await (this.resource.namespaced
      ? this.api.deleteNamespacedCustomObject({ ...params, namespace: ref.namespace ?? '' })
      : this.api.deleteClusterCustomObject(params));
  }

  async patch(ref: ObjectRef, body: unknown, strategy: Patch, apply?: { fieldManager: string }): Promise<T> {
    const params = { ...this.base(), name: ref.name, body, ...applyParams(strategy, apply) };
    const call = this.resource.namespaced
      ? this.api.patchNamespacedCustomObject(
          { ...params, namespace: ref.namespace ?? '' },
          patchOptions(strategy),
        )
      : this.api.patchClusterCustomObject(params, patchOptions(strategy));
    return (await call) as T;
  }

  async patchStatus(
    ref: ObjectRef,
    body: unknown,
    strategy: Patch,
    apply?: { fieldManager: string },
  ): Promise<T> {
    const params = { ...this.base(), name: ref.name, body, ...applyParams(strategy, apply) };
    const call = this.resource.namespaced
      ? this.api.patchNamespacedCustomObjectStatus(
          { ...params, namespace: ref.namespace ?? '' },
          patchOptions(strategy),
        )
      : this.api.patchClusterCustomObjectStatus(params, patchOptions(strategy));
    return (await call) as T;
  }

  collectionPath(namespace?: string): string {
    const { group, version, plural } = this.resource;
    const ns = this.resource.namespaced && namespace ? `/namespaces/${namespace}` : '';
    return `/apis/${group}/${version}${ns}/${plural}`;
  }
}

function applyParams(
  strategy: Patch,
  apply?: { fieldManager: string },
): { fieldManager?: string; force?: boolean } {
  if (!apply) return {};
  // force is only allowed on apply patches; other patch types still record the manager.
  return strategy === k8s.PatchStrategy.ServerSideApply
    ? { fieldManager: apply.fieldManager, force: true }
    : { fieldManager: apply.fieldManager };
}

export function createResourceClient<T extends k8s.KubernetesObject>(
  kc: k8s.KubeConfig,
  resource: ResourceType,
): ResourceClient<T> {
  return new CustomResourceClient<T>(kc, resource);
}
