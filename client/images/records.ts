// Each authoring result is recorded as a WaltImage of the namespace, pointing at the reference it was
// pushed to, so that nodes can boot it. An existing image of that name is replaced only with --force
// (WalT asks before overwriting); one with the same reference is left as it is.
import { API_VERSION, RESOURCES, type WaltImage } from '../../api/v1alpha1/index.js';
import { ERR_CLI_ALREADY_EXISTS } from '../errors.js';
import type { ObjectClient } from '../objects.js';

export interface ImageRecord {
  name: string;
  namespace: string;
  ref: string;
  insecure?: boolean;
  pullSecret?: string;
  force?: boolean;
}

export type RecordOutcome = 'created' | 'updated' | 'unchanged';

function specOf(record: ImageRecord): WaltImage['spec'] {
  return {
    ref: record.ref,
    ...(record.insecure ? { insecureRegistry: true } : {}),
    ...(record.pullSecret ? { pullSecret: { name: record.pullSecret } } : {}),
  } as WaltImage['spec'];
}

export async function recordImage(client: ObjectClient, record: ImageRecord): Promise<RecordOutcome> {
  const existing = await client.get<WaltImage>(RESOURCES.image, record.name, record.namespace);
  if (!existing) {
    await client.create<WaltImage>(RESOURCES.image, {
      apiVersion: API_VERSION,
      kind: RESOURCES.image.kind,
      metadata: { name: record.name, namespace: record.namespace },
      spec: specOf(record),
    });
    return 'created';
  }
  if (existing.spec.ref === record.ref) return 'unchanged';
  if (!record.force)
    throw ERR_CLI_ALREADY_EXISTS(`image ${record.namespace}/${record.name} (${existing.spec.ref})`);
  const spec = specOf(record);
  await client.mergePatch(
    RESOURCES.image,
    { name: record.name, namespace: record.namespace },
    {
      spec: { ...spec, insecureRegistry: spec.insecureRegistry ?? null, pullSecret: spec.pullSecret ?? null },
    },
  );
  return 'updated';
}

/** Where an existing WaltImage lives: its reference, plain HTTP or not, its pull secret. */
export interface ImageSource {
  name: string;
  namespace: string;
  ref: string;
  insecure: boolean;
  pullSecret?: string;
}

export function sourceOf(image: WaltImage): ImageSource {
  return {
    name: image.metadata.name ?? '',
    namespace: image.metadata.namespace ?? 'default',
    ref: image.spec.ref,
    insecure: image.spec.insecureRegistry ?? false,
    ...(image.spec.pullSecret?.name ? { pullSecret: image.spec.pullSecret.name } : {}),
  };
}
