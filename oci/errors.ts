// The registry client's coded errors. Callers decide whether to retry with isTransient(): a registry
// that is down, overloaded or rate-limiting will likely answer later; a missing image or a bad digest
// will not.
import { defineError, isWaltError } from '../common/errors.js';

export const RegistryUnauthorized = defineError(
  'WALT_ERR_REGISTRY_UNAUTHORIZED',
  (image: string, hadCredentials: boolean, detail: string) =>
    hadCredentials
      ? `registry refused the credentials for ${image} (${detail}): check the pull secret's username, password and registry host`
      : `${image} needs credentials (${detail}): set spec.pullSecret to a kubernetes.io/dockerconfigjson Secret holding credentials for its registry`,
  401,
);

export const RegistryNotFound = defineError(
  'WALT_ERR_REGISTRY_NOT_FOUND',
  (what: string) => `${what} does not exist in the registry: check the image name, tag or digest`,
  404,
);

export const RegistryUnreachable = defineError(
  'WALT_ERR_REGISTRY_UNREACHABLE',
  (url: string, reason: string) =>
    `cannot reach the registry at ${url} (${reason}): check the host name, port and network; retrying later may help`,
  503,
);

export const RegistryUnavailable = defineError(
  'WALT_ERR_REGISTRY_UNAVAILABLE',
  (url: string, status: number) =>
    `the registry answered ${status} for ${url}: it is overloaded, rate-limiting or failing; retry later`,
  503,
);

export const RegistryProtocol = defineError(
  'WALT_ERR_REGISTRY_PROTOCOL',
  (url: string, detail: string) =>
    `unexpected answer from the registry for ${url}: ${detail}; is this an OCI distribution registry?`,
  502,
);

export const InvalidReference = defineError(
  'WALT_ERR_IMAGE_REFERENCE_INVALID',
  (reference: string, detail: string) =>
    `"${reference}" is not a valid image reference (${detail}): use [registry/]repository[:tag][@sha256:<64 hex>]`,
  400,
);

export const DigestMismatch = defineError(
  'WALT_ERR_IMAGE_DIGEST_MISMATCH',
  (what: string, expected: string, actual: string) =>
    `${what} has digest ${actual} but ${expected} was expected: the registry or a proxy serves corrupted or substituted content`,
  502,
);

export const SizeMismatch = defineError(
  'WALT_ERR_IMAGE_SIZE_MISMATCH',
  (what: string, expected: number, actual: string) =>
    `${what} is ${actual} bytes but the manifest says ${expected}: the registry or a proxy serves truncated or corrupted content`,
  502,
);

export const NoPlatform = defineError(
  'WALT_ERR_IMAGE_NO_PLATFORM',
  (image: string, wanted: string, offered: string) =>
    `${image} has no manifest for ${wanted} (it offers: ${offered || 'none'}): use an image built for ${wanted} or nodes of another model`,
  422,
);

export const UnsupportedMediaType = defineError(
  'WALT_ERR_IMAGE_UNSUPPORTED_MEDIA_TYPE',
  (what: string, mediaType: string) =>
    `${what} has media type "${mediaType}", which is not an OCI or Docker v2 container image type: rebuild or re-push the image with a current tool`,
  415,
);

const TRANSIENT_CODES: ReadonlySet<string> = new Set([RegistryUnreachable.code, RegistryUnavailable.code]);

/** True when retrying later (with back-off) may succeed: network failures, 5xx and 429 answers. */
export function isTransient(error: unknown): boolean {
  return isWaltError(error) && TRANSIENT_CODES.has(error.code);
}

export const InvalidManifest = defineError(
  'WALT_ERR_IMAGE_MANIFEST_INVALID',
  (what: string, detail: string) =>
    `${what} is not a valid image manifest, index or config (${detail}): re-push the image`,
  502,
);

export const InvalidPullSecret = defineError(
  'WALT_ERR_REGISTRY_PULL_SECRET_INVALID',
  (detail: string) =>
    `the pull secret is not a valid dockerconfigjson payload (${detail}): create it with "kubectl create secret docker-registry"`,
  400,
);

export interface StatusContext {
  /** What was asked for, e.g. "manifest 127.0.0.1:5000/lab/os:1". */
  what: string;
  /** The image, for messages about credentials. */
  image: string;
  url: string;
  hadCredentials: boolean;
}

/** The coded error for a registry answer that is not a success. */
export function errorForStatus(status: number, context: StatusContext): Error {
  if (status === 401 || status === 403) {
    return RegistryUnauthorized(context.image, context.hadCredentials, `HTTP ${status} for ${context.what}`);
  }
  if (status === 404) return RegistryNotFound(context.what);
  if (status === 429 || status >= 500) return RegistryUnavailable(context.url, status);
  return RegistryProtocol(context.url, `HTTP ${status}`);
}
