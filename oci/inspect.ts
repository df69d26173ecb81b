// What an image reference is, as the testbed sees it: the digest it resolves to, the platform
// manifests that our node models can boot, the node models it supports and its size. The operator uses
// this to fill WaltImage.status; the agent uses `platformManifests` to know what to pull.
import { NODE_MODELS, type NodeModelName } from '../api/v1alpha1/node-models.js';
import { imageModels, MODELS_LABEL } from './models-label.js';
import type { RegistryClient } from './client.js';
import { NoPlatform } from './errors.js';
import { imageLabels, type Descriptor, type ImageManifest } from './manifest.js';
import { formatPlatform, selectManifest, type Platform } from './platform.js';
import { parseReference } from './reference.js';

export interface PlatformImage {
  platform: string;
  manifestDigest: string;
  manifest: ImageManifest;
}

export interface ImageInspection {
  /** What the reference resolved to (an index or a manifest digest). */
  digest: string;
  platforms: PlatformImage[];
  models: NodeModelName[];
  unknownModels: string[];
  /** Compressed size of the layers of every platform listed. */
  size: number;
}

/** The distinct OCI platforms of our node models (one per architecture/variant). */
function knownPlatforms(): Platform[] {
  const seen = new Map<string, Platform>();
  for (const { platform } of Object.values(NODE_MODELS)) seen.set(formatPlatform(platform), platform);
  return [...seen.values()];
}

async function platformImages(client: RegistryClient, ref: string, digest: string): Promise<PlatformImage[]> {
  const document = await client.getManifest(ref, digest);
  if (document.kind === 'manifest') {
    const config = await client.getConfig(ref, document.manifest.config);
    const platform = formatPlatform({
      os: config.os,
      architecture: config.architecture,
      variant: config.variant,
    });
    return [{ platform, manifestDigest: digest, manifest: document.manifest }];
  }
  const chosen = new Map<string, { platform: string; descriptor: Descriptor }>();
  for (const platform of knownPlatforms()) {
    const descriptor = selectManifest(document.index.manifests, platform);
    if (descriptor && !chosen.has(descriptor.digest)) {
      chosen.set(descriptor.digest, { platform: formatPlatform(platform), descriptor });
    }
  }
  if (chosen.size === 0) {
    const offered = document.index.manifests.map((m) => (m.platform ? formatPlatform(m.platform) : '?'));
    throw NoPlatform(ref, 'any node model', offered.join(', '));
  }
  const images: PlatformImage[] = [];
  for (const { platform, descriptor } of chosen.values()) {
    const sub = await client.getManifest(ref, descriptor.digest);
    if (sub.kind === 'manifest')
      images.push({ platform, manifestDigest: descriptor.digest, manifest: sub.manifest });
  }
  return images;
}

export async function inspectImage(
  client: RegistryClient,
  ref: string,
  modelsOverride?: readonly string[],
): Promise<ImageInspection> {
  const { digest } = await client.resolve(ref);
  const platforms = await platformImages(client, ref, digest);
  const labels: Array<string | undefined> = [];
  for (const p of platforms) {
    labels.push(imageLabels(await client.getConfig(ref, p.manifest.config))[MODELS_LABEL]);
  }
  const { models, unknown } = imageModels(modelsOverride, labels);
  const size = platforms.reduce((n, p) => n + p.manifest.layers.reduce((m, l) => m + l.size, 0), 0);
  return { digest, platforms, models, unknownModels: unknown, size };
}

/** The platform a node model boots. */
export function platformOfModel(model: NodeModelName): string {
  return formatPlatform(NODE_MODELS[model].platform);
}

/** `ref` pinned to `digest`, so every agent pulls exactly what the operator resolved. */
export function pinnedReference(ref: string, digest: string): string {
  const parsed = parseReference(ref);
  return `${parsed.registry}/${parsed.repository}@${digest}`;
}
