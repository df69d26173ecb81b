// The saved image's config and manifest: the booted image's, plus one layer (pure; ADR 0021). The
// config keeps everything of the base (labels such as walt.node.models, entrypoint, env) and gains the
// layer's diff_id and a history entry "walt node save"; the manifest lists the base's layers as the
// agent's store recorded them, then the new layer, in the base's media-type family (OCI or Docker).
import { computeDigest } from '../../oci/index.js';
import {
  DOCKER_CONFIG,
  DOCKER_LAYER_GZIP,
  DOCKER_MANIFEST,
  OCI_CONFIG,
  OCI_LAYER_GZIP,
  OCI_MANIFEST,
} from '../../oci/index.js';
import { SaveNoBaseImage } from './errors.js';

export interface LayerDescriptor {
  mediaType: string;
  digest: string;
  size: number;
}

export interface SavedImage {
  config: Buffer;
  manifest: Buffer;
  manifestMediaType: string;
  layerMediaType: string;
}

export const SAVE_HISTORY = 'walt node save';

function isDocker(layers: readonly LayerDescriptor[]): boolean {
  return layers.length > 0 && layers.every((layer) => layer.mediaType.startsWith('application/vnd.docker.'));
}

export function savedConfig(node: string, base: Buffer, diffId: string, now: Date): Buffer {
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(base.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw SaveNoBaseImage(node, 'the booted image config in the agent store is not JSON');
  }
  const rootfs = (config.rootfs ?? {}) as { type?: string; diff_ids?: unknown };
  if (!Array.isArray(rootfs.diff_ids))
    throw SaveNoBaseImage(node, 'the booted image config has no rootfs.diff_ids');
  const history: unknown[] = Array.isArray(config.history) ? (config.history as unknown[]) : [];
  const created = now.toISOString();
  return Buffer.from(
    JSON.stringify({
      ...config,
      created,
      rootfs: { type: 'layers', diff_ids: [...(rootfs.diff_ids as string[]), diffId] },
      history: [...history, { created, created_by: SAVE_HISTORY, comment: `saved from node ${node}` }],
    }),
  );
}

export function savedImage(
  node: string,
  base: { config: Buffer; layers: readonly LayerDescriptor[] },
  layer: { digest: string; size: number; diffId: string },
  now: Date,
): SavedImage {
  const docker = isDocker(base.layers);
  const config = savedConfig(node, base.config, layer.diffId, now);
  const layerMediaType = docker ? DOCKER_LAYER_GZIP : OCI_LAYER_GZIP;
  const manifestMediaType = docker ? DOCKER_MANIFEST : OCI_MANIFEST;
  const manifest = {
    schemaVersion: 2,
    mediaType: manifestMediaType,
    config: {
      mediaType: docker ? DOCKER_CONFIG : OCI_CONFIG,
      digest: computeDigest(config),
      size: config.length,
    },
    layers: [
      ...base.layers.map(({ mediaType, digest, size }) => ({ mediaType, digest, size })),
      { mediaType: layerMediaType, digest: layer.digest, size: layer.size },
    ],
  };
  return { config, manifest: Buffer.from(JSON.stringify(manifest)), manifestMediaType, layerMediaType };
}
