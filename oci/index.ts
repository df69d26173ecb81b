// The OCI client's one entry point (registry, auth, manifests, platform selection, image inspection),
// used by the operator and the boot agents alike.
export * from './auth.js';
export {
  RegistryClient,
  type PlatformManifest,
  type RegistryClientOptions,
  type ResolvedManifest,
} from './client.js';
export { computeDigest, isDigest, parseDigest } from './digest.js';
export * from './errors.js';
export * from './manifest.js';
export * from './media-types.js';
export * from './platform.js';
export * from './reference.js';
export * from './inspect.js';
export * from './models-label.js';
export * from './waltimage-client.js';
export * from './push.js';
