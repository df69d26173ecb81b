// The default WaltImage of a node model and what to do about the one that exists, as pure functions:
// the controller creates `<system namespace>/<model>-default` when it is missing, keeps its own up to
// date with the configuration, and never touches one it did not make (no managed-by label: a user's or
// the lab's, whatever its content).
import { API_VERSION, type WaltImage } from '../../../api/v1alpha1/index.js';
import type { DefaultImagesConfig } from './config.js';

/** The label on the WaltImages this controller made (and may change again). */
export const MANAGED_BY_LABEL = 'walt.dev/managed-by';
export const MANAGED_BY_VALUE = 'walt-default-images';

export function defaultImageName(model: string): string {
  return `${model}-default`;
}

/** The image reference of `model`'s default image: `<repository>/<model>-default:<tag>`. */
export function defaultImageRefOf(model: string, config: DefaultImagesConfig): string {
  return `${config.repository}/${defaultImageName(model)}:${config.tag}`;
}

/** The WaltImage this controller applies for `model` (the whole intent of its field manager). */
export function desiredDefaultImage(
  model: string,
  namespace: string,
  config: DefaultImagesConfig,
): WaltImage {
  return {
    apiVersion: API_VERSION,
    kind: 'WaltImage',
    metadata: {
      name: defaultImageName(model),
      namespace,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE },
    },
    spec: { ref: defaultImageRefOf(model, config), insecureRegistry: config.insecureRegistry },
    // spec.recheck is left to the schema's default: not part of this manager's intent.
  } as unknown as WaltImage;
}

export function isManaged(image: WaltImage): boolean {
  return image.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE;
}

export type DefaultImageAction = 'create' | 'update' | 'keep' | 'foreign';

/** What to do given the existing image (undefined: none). `foreign`: someone else's, left alone. */
export function defaultImageAction(existing: WaltImage | undefined, desired: WaltImage): DefaultImageAction {
  if (!existing) return 'create';
  if (!isManaged(existing)) return 'foreign';
  const same =
    existing.spec.ref === desired.spec.ref &&
    (existing.spec.insecureRegistry ?? false) === (desired.spec.insecureRegistry ?? false);
  return same ? 'keep' : 'update';
}
