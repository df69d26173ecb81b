// Status writes through the /status subresource, by server-side apply with our field manager, so the
// fields a controller owns are tracked per manager (other writers, e.g. boot agents writing per-segment
// artifacts, keep theirs). Falls back to a merge patch when the server refuses apply patches.
// A 409 (only when the write is guarded by resourceVersion) re-reads the object and tries again.
import * as k8s from '@kubernetes/client-node';
import type { Logger } from '../common/logger.js';
import { ERR_STATUS_CONFLICT } from './errors.js';
import {
  apiVersionOf,
  createResourceClient,
  describeError,
  describeRef,
  refOf,
  statusCodeOf,
  type ResourceClient,
  type ResourceType,
} from './resource.js';

export { getCondition, isConditionTrue, removeCondition, rfc3339, setCondition } from './conditions.js';
export type { Condition, ConditionInput } from './conditions.js';

export type Status = Record<string, unknown>;
/** A status, or a function of the freshest object (re-run after a conflict). */
export type StatusUpdate<T> = Status | ((current: T) => Status);

export interface ApplyStatusOptions {
  /** Send the object's resourceVersion: the write fails (409, then re-read and retried) if it is stale. */
  guard?: boolean;
}

export interface StatusWriter<T extends k8s.KubernetesObject> {
  readonly fieldManager: string;
  apply(obj: T, update: StatusUpdate<T>, options?: ApplyStatusOptions): Promise<T>;
}

export interface StatusWriterOptions {
  kc: k8s.KubeConfig;
  resource: ResourceType;
  fieldManager: string;
  logger: Logger;
  /** Attempts on conflict before giving up (default 4). */
  maxAttempts?: number;
}

/** Codes with which a server says it does not take apply patches. */
const APPLY_UNSUPPORTED = new Set([400, 405, 415]);

class SsaStatusWriter<T extends k8s.KubernetesObject> implements StatusWriter<T> {
  readonly fieldManager: string;
  private readonly client: ResourceClient<T>;
  private readonly maxAttempts: number;
  private mergeOnly = false;

  constructor(private readonly options: StatusWriterOptions) {
    this.fieldManager = options.fieldManager;
    this.client = createResourceClient<T>(options.kc, options.resource);
    this.maxAttempts = options.maxAttempts ?? 4;
  }

  async apply(obj: T, update: StatusUpdate<T>, options: ApplyStatusOptions = {}): Promise<T> {
    const ref = refOf(obj);
    let current = obj;
    for (let attempt = 1; ; attempt++) {
      const status = typeof update === 'function' ? update(current) : update;
      try {
        return await this.write(current, status, options.guard === true);
      } catch (err) {
        if (statusCodeOf(err) !== 409) throw err;
        if (attempt >= this.maxAttempts) throw ERR_STATUS_CONFLICT(describeRef(ref), attempt);
        current = await this.client.get(ref);
      }
    }
  }

  private async write(obj: T, status: Status, guard: boolean): Promise<T> {
    const ref = refOf(obj);
    const rv = guard ? { resourceVersion: obj.metadata?.resourceVersion } : {};
    if (!this.mergeOnly) {
      const body = {
        apiVersion: obj.apiVersion ?? apiVersionOf(this.options.resource),
        kind: obj.kind ?? this.options.resource.kind,
        metadata: { ...ref, ...rv },
        status,
      };
      try {
        return await this.client.patchStatus(ref, body, k8s.PatchStrategy.ServerSideApply, this);
      } catch (err) {
        if (!APPLY_UNSUPPORTED.has(statusCodeOf(err) ?? 0) || !isApplyRefusal(err)) throw err;
        this.mergeOnly = true;
        this.options.logger.warn(
          { err: describeError(err) },
          'server refused apply patches; using merge patches',
        );
      }
    }
    const body = { metadata: rv, status };
    return this.client.patchStatus(ref, body, k8s.PatchStrategy.MergePatch, this);
  }
}

/** A 4xx caused by the patch type (not by the content): the body names the media type. */
function isApplyRefusal(err: unknown): boolean {
  const code = statusCodeOf(err);
  if (code === 415) return true;
  const body = (err as { body?: unknown }).body;
  const text = typeof body === 'string' ? body : JSON.stringify(body ?? '');
  return /apply-patch|media type|not supported/i.test(text);
}

export function createStatusWriter<T extends k8s.KubernetesObject>(
  options: StatusWriterOptions,
): StatusWriter<T> {
  return new SsaStatusWriter<T>(options);
}
