// The registry client's public API.
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
