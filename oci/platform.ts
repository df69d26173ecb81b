// Choosing the manifest of an image index for a node's platform. Variants are compared after filling
// in each architecture's default (arm64 → v8, arm → v7), as container runtimes do; there is no
// fallback to older variants: an arm/v6 image is not picked for an arm/v7 board, nor the reverse.
import { NODE_MODELS, type NodeModelName } from '../api/v1alpha1/node-models.js';
import type { Descriptor } from './manifest.js';
import { MANIFEST_MEDIA_TYPES } from './media-types.js';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

const DEFAULT_VARIANT: Readonly<Record<string, string>> = { arm64: 'v8', arm: 'v7' };
const ARCHITECTURE_ALIASES: Readonly<Record<string, string>> = {
  x86_64: 'amd64',
  'x86-64': 'amd64',
  aarch64: 'arm64',
  i386: '386',
};

export function platformForModel(model: NodeModelName): Platform {
  const { os, architecture, ...rest } = NODE_MODELS[model].platform;
  const variant = 'variant' in rest ? rest.variant : undefined;
  return variant === undefined ? { os, architecture } : { os, architecture, variant };
}

/** "linux/arm/v7", "linux/amd64". */
export function formatPlatform(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}

export function platformMatches(wanted: Platform, offered: Platform): boolean {
  const a = normalise(wanted);
  const b = normalise(offered);
  return a.os === b.os && a.architecture === b.architecture && a.variant === b.variant;
}

/** The first runnable image manifest of an index for `wanted`, or undefined. Entries without a
 * platform (attestations, artifacts) and nested indexes are skipped. */
export function selectManifest(manifests: readonly Descriptor[], wanted: Platform): Descriptor | undefined {
  return runnableManifests(manifests).find(
    (entry) => entry.platform && platformMatches(wanted, entry.platform),
  );
}

/** The platforms an index offers, for error messages. */
export function offeredPlatforms(manifests: readonly Descriptor[]): string[] {
  return runnableManifests(manifests).flatMap((entry) =>
    entry.platform ? [formatPlatform(entry.platform)] : [],
  );
}

function runnableManifests(manifests: readonly Descriptor[]): Descriptor[] {
  return manifests.filter(
    (entry) => MANIFEST_MEDIA_TYPES.has(entry.mediaType) && entry.platform && entry.platform.os !== 'unknown',
  );
}

function normalise(platform: Platform): Required<Platform> {
  const os = platform.os.toLowerCase();
  const lower = platform.architecture.toLowerCase();
  const architecture = ARCHITECTURE_ALIASES[lower] ?? lower;
  const variant = (platform.variant ?? DEFAULT_VARIANT[architecture] ?? '').toLowerCase();
  return { os, architecture, variant };
}
