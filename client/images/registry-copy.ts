// Copies between registries with skopeo (clone, publish, tag, duplicate), and the inspection publish
// needs: the image copied once into a local OCI layout, its config's labels and the entry names of
// each layer read from there (bounded), then pushed on from the same layout.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RegistryAccess } from './containers.js';
import { ERR_IMAGE_TOO_LARGE, ERR_IMAGE_TOOL_FAILED } from './errors.js';
import { readableRef } from './names.js';
import { registryArgs, runTool } from './tools.js';

export type Progress = (line: string) => void;

/** Manifests and configs are kilobytes; anything larger is refused before it is parsed. */
const MAX_JSON_BYTES = 4 * 1024 * 1024;
/** The entry names of one layer (a full Debian is ~20 MB of names). */
const MAX_LISTING_BYTES = 64 * 1024 * 1024;
const LAYOUT_TAG = 'walt';
/** WalT refuses shells on images of 128 layers or more ("squash first"); a publish checks up to twice that. */
const MAX_LAYERS = 256;
/** All layers' entry names together. */
const MAX_TOTAL_LISTING_BYTES = 256 * 1024 * 1024;

export interface Endpoint extends RegistryAccess {
  ref: string;
}

/** One side of a skopeo copy: its transport:name and its options. */
interface Side {
  name: string;
  args: string[];
}

async function copy(source: Side, dest: Side, progress?: Progress): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'walt-copy-'));
  try {
    const digestFile = path.join(dir, 'digest');
    const args = [
      'copy',
      '--insecure-policy',
      '--preserve-digests',
      ...source.args,
      ...dest.args,
      '--digestfile',
      digestFile,
      source.name,
      dest.name,
    ];
    await runTool('skopeo copy', 'skopeo', args, progress ? { progress } : {});
    return (await readFile(digestFile, 'utf8')).trim();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const srcArgs = (e: RegistryAccess): string[] => registryArgs('skopeo-src', e);
const destArgs = (e: RegistryAccess): string[] => registryArgs('skopeo-dest', e);

/** Copies an image (every platform of an index) from one reference to another; returns its digest. */
export function copyImage(from: Endpoint, to: Endpoint, progress?: Progress): Promise<string> {
  return copy(
    { name: `docker://${readableRef(from.ref)}`, args: srcArgs(from) },
    { name: `docker://${to.ref}`, args: destArgs(to) },
    progress,
  );
}

/** A local OCI layout holding one image, to inspect it before it is pushed on. */
export interface Layout {
  dir: string;
  /** The config's labels. */
  labels: Record<string, string>;
  /** The entry names of each layer, base first. */
  layers(): Promise<string[][]>;
  push(to: Endpoint, progress?: Progress): Promise<string>;
  remove(): Promise<void>;
}

async function boundedJson<T>(file: string): Promise<T> {
  const { size } = await stat(file);
  if (size > MAX_JSON_BYTES) throw ERR_IMAGE_TOO_LARGE(file, `${MAX_JSON_BYTES} bytes`);
  return JSON.parse(await readFile(file, 'utf8')) as T;
}

const blob = (dir: string, digest: string): string => {
  if (!/^sha256:[a-f0-9]{64}$/.test(digest))
    throw ERR_IMAGE_TOO_LARGE(`digest "${digest.slice(0, 80)}"`, 'a sha256 digest');
  return path.join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length));
};

interface Manifest {
  config: { digest: string };
  layers: Array<{ digest: string }>;
}

/** The entry names of each layer, one layer at a time, within a total bound. */
async function listLayers(dir: string, manifest: Manifest): Promise<string[][]> {
  const layers: string[][] = [];
  let budget = MAX_TOTAL_LISTING_BYTES;
  for (const layer of manifest.layers) {
    if (budget <= 0)
      throw ERR_IMAGE_TOO_LARGE('the entry names of the layers', `${MAX_TOTAL_LISTING_BYTES} bytes`);
    const listing = await runTool('list a layer', 'tar', ['-tf', blob(dir, layer.digest)], {
      maxStdout: Math.min(MAX_LISTING_BYTES, budget),
    });
    budget -= listing.length;
    layers.push(listing.split('\n').filter((line) => line !== ''));
  }
  return layers;
}

/** Copies `from` into a new layout (one platform: the one skopeo picks for this machine). */
export async function copyToLayout(from: Endpoint, progress?: Progress): Promise<Layout> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'walt-layout-'));
  try {
    await copy(
      { name: `docker://${readableRef(from.ref)}`, args: srcArgs(from) },
      { name: `oci:${dir}:${LAYOUT_TAG}`, args: [] },
      progress,
    );
    const index = await boundedJson<{ manifests?: Array<{ digest: string }> }>(path.join(dir, 'index.json'));
    const first = index.manifests?.[0];
    if (!first)
      throw ERR_IMAGE_TOOL_FAILED(`skopeo copy of ${from.ref}`, 'the layout it wrote has no manifest');
    const manifest = await boundedJson<Manifest>(blob(dir, first.digest));
    if (!Array.isArray(manifest.layers) || manifest.layers.length > MAX_LAYERS)
      throw ERR_IMAGE_TOO_LARGE(`the layer list of ${from.ref}`, `${MAX_LAYERS} layers (squash it first)`);
    const config = await boundedJson<{ config?: { Labels?: Record<string, string> | null } }>(
      blob(dir, manifest.config.digest),
    );
    return {
      dir,
      labels: config.config?.Labels ?? {},
      layers: () => listLayers(dir, manifest),
      push: (to, pushProgress) =>
        copy(
          { name: `oci:${dir}:${LAYOUT_TAG}`, args: [] },
          { name: `docker://${to.ref}`, args: destArgs(to) },
          pushProgress,
        ),
      remove: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** The tags of a repository (`walt image search --registry`). */
export async function listTags(repository: string, access: RegistryAccess): Promise<string[]> {
  const out = await runTool('skopeo list-tags', 'skopeo', [
    'list-tags',
    ...registryArgs('skopeo', access),
    `docker://${repository}`,
  ]);
  const parsed = JSON.parse(out) as { Tags?: unknown };
  return Array.isArray(parsed.Tags) ? parsed.Tags.filter((t): t is string => typeof t === 'string') : [];
}
