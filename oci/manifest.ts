// The documents of an image: index (multi-platform), manifest (one platform) and config. Parsing
// checks the shape we rely on and rejects types we cannot run, so later stages can trust the types.
import { isDigest } from './digest.js';
import { InvalidManifest, UnsupportedMediaType } from './errors.js';
import {
  CONFIG_MEDIA_TYPES,
  INDEX_MEDIA_TYPES,
  layerCompression,
  MANIFEST_MEDIA_TYPES,
  OCI_INDEX,
  OCI_MANIFEST,
} from './media-types.js';
import type { Platform } from './platform.js';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
  urls?: string[];
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export type ManifestDocument =
  | { kind: 'index'; digest: string; mediaType: string; index: ImageIndex }
  | { kind: 'manifest'; digest: string; mediaType: string; manifest: ImageManifest };

/** The parts of an image config (OCI image-spec "config.md") the testbed reads. */
export interface ImageConfig {
  architecture: string;
  os: string;
  variant?: string;
  created?: string;
  config?: {
    Labels?: Record<string, string> | null;
    Env?: string[] | null;
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    WorkingDir?: string;
    User?: string;
  };
  rootfs: { type: string; diff_ids: string[] };
}

type Json = Record<string, unknown>;

/** Parses a manifest or an index fetched as `digest`; `contentType` is the registry's header. */
export function parseManifestDocument(
  what: string,
  body: Buffer,
  contentType: string,
  digest: string,
): ManifestDocument {
  const json = parseJsonObject(what, body);
  const mediaType = documentMediaType(json, contentType);
  if (json.schemaVersion !== 2)
    throw UnsupportedMediaType(what, `${mediaType} (schemaVersion ${String(json.schemaVersion)})`);
  if (INDEX_MEDIA_TYPES.has(mediaType)) {
    const index = {
      ...json,
      mediaType,
      manifests: descriptors(what, json.manifests, 'manifests'),
    } as ImageIndex;
    return { kind: 'index', digest, mediaType, index };
  }
  if (MANIFEST_MEDIA_TYPES.has(mediaType)) {
    return { kind: 'manifest', digest, mediaType, manifest: imageManifest(what, json, mediaType) };
  }
  throw UnsupportedMediaType(what, mediaType);
}

export function parseImageConfig(what: string, body: Buffer): ImageConfig {
  const json = parseJsonObject(what, body);
  if (typeof json.architecture !== 'string' || typeof json.os !== 'string') {
    throw InvalidManifest(what, 'architecture and os must be strings');
  }
  const rootfs = json.rootfs as Json | undefined;
  if (!rootfs || !Array.isArray(rootfs.diff_ids) || !rootfs.diff_ids.every((id) => typeof id === 'string')) {
    throw InvalidManifest(what, 'rootfs.diff_ids must be a list of digests');
  }
  return json as unknown as ImageConfig;
}

/** The image's labels (e.g. "walt.node.models"), never null. */
export function imageLabels(config: ImageConfig): Record<string, string> {
  return config.config?.Labels ?? {};
}

function parseJsonObject(what: string, body: Buffer): Json {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw InvalidManifest(what, `not JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw InvalidManifest(what, 'not a JSON object');
  return value as Json;
}

// The body's own mediaType wins (it is covered by the digest); OCI allows leaving it out, then the
// Content-Type or, for a generic one, the document's shape says what it is.
function documentMediaType(json: Json, contentType: string): string {
  if (typeof json.mediaType === 'string') return json.mediaType;
  if (
    contentType !== '' &&
    contentType !== 'application/json' &&
    contentType !== 'application/octet-stream'
  ) {
    return contentType;
  }
  return Array.isArray(json.manifests) ? OCI_INDEX : OCI_MANIFEST;
}

function imageManifest(what: string, json: Json, mediaType: string): ImageManifest {
  const config = descriptor(what, json.config, 'config');
  if (!CONFIG_MEDIA_TYPES.has(config.mediaType))
    throw UnsupportedMediaType(`${what} config`, config.mediaType);
  const layers = descriptors(what, json.layers, 'layers');
  const unsupported = layers.find((layer) => layerCompression(layer.mediaType) === undefined);
  if (unsupported) throw UnsupportedMediaType(`${what} layer ${unsupported.digest}`, unsupported.mediaType);
  return { ...json, mediaType, config, layers } as ImageManifest;
}

function descriptors(what: string, value: unknown, field: string): Descriptor[] {
  if (!Array.isArray(value)) throw InvalidManifest(what, `${field} must be a list`);
  return value.map((item, position) => descriptor(what, item, `${field}[${position}]`));
}

function descriptor(what: string, value: unknown, field: string): Descriptor {
  const item = (typeof value === 'object' && value !== null ? value : {}) as Json;
  const { mediaType, digest, size } = item;
  if (typeof mediaType !== 'string') throw InvalidManifest(what, `${field}.mediaType must be a string`);
  if (typeof digest !== 'string' || !isDigest(digest))
    throw InvalidManifest(what, `${field}.digest is not a digest`);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw InvalidManifest(what, `${field}.size must be a non-negative integer`);
  }
  return item as unknown as Descriptor;
}
