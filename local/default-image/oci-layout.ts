// Derives an OCI image layout from another one by adding a small layer of files on top: tests push a
// "second image" that differs from the default one by a marker file, without a second debootstrap.
// The base blobs are hard-linked (copied across filesystems), so a derived layout costs kilobytes.
import { createHash } from 'node:crypto';
import { copyFile, link, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { DefaultImageBadExtraFile, DefaultImageNoTag } from './errors.js';

const MANIFEST_TYPE = 'application/vnd.oci.image.manifest.v1+json';
const INDEX_TYPE = 'application/vnd.oci.image.index.v1+json';
const LAYER_TYPE = 'application/vnd.oci.image.layer.v1.tar+gzip';
const REF_NAME = 'org.opencontainers.image.ref.name';

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

interface Manifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

interface ImageConfig {
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: Array<Record<string, unknown>>;
  [key: string]: unknown;
}

/** Files to add: absolute path in the image → content. */
export type ExtraFiles = Record<string, string>;

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

function blobPath(layoutDir: string, digest: string): string {
  return path.join(layoutDir, 'blobs', ...digest.split(':'));
}

async function readJson<T>(file: string): Promise<T> {
  return JSON.parse(await readFile(file, 'utf8')) as T;
}

/** The manifest descriptor tagged `tag` in the layout's index. */
export async function findManifest(layoutDir: string, tag: string): Promise<Descriptor> {
  const index = await readJson<{ manifests?: Descriptor[] }>(path.join(layoutDir, 'index.json'));
  const found = (index.manifests ?? []).find((m) => m.annotations?.[REF_NAME] === tag);
  if (!found) throw DefaultImageNoTag(layoutDir, tag);
  return found;
}

/** "etc/x" for "/etc/x"; rejects anything that could land outside the root or be ambiguous. */
export function entryName(file: string): string {
  const parts = file.split('/').slice(1);
  const bad = !file.startsWith('/') || parts.some((p) => p === '' || p === '.' || p === '..');
  if (bad) throw DefaultImageBadExtraFile(file);
  return parts.join('/');
}

/**
 * A gzip layer of regular files, root-owned, with a fixed time so that the same files give the same
 * digest. A file starting with "#!" is made executable (0755, else 0644): that is how a test adds an
 * /etc/walt/rc.d/ step, which init runs only when executable.
 */
export async function filesLayer(files: ExtraFiles): Promise<{ gz: Buffer; diffId: string }> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
  const ended = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const [file, content] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) {
    const mode = content.startsWith('#!') ? 0o755 : 0o644;
    pack.entry({ name: entryName(file), mode, uid: 0, gid: 0, mtime: new Date(0) }, content);
  }
  pack.finalize();
  await ended;
  const raw = Buffer.concat(chunks);
  return { gz: gzipSync(raw), diffId: sha256(raw) };
}

async function writeBlob(layoutDir: string, data: Buffer): Promise<{ digest: string; size: number }> {
  const digest = sha256(data);
  await writeFile(blobPath(layoutDir, digest), data);
  return { digest, size: data.length };
}

async function linkBlob(from: string, to: string, digest: string): Promise<void> {
  try {
    await link(blobPath(from, digest), blobPath(to, digest));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EXDEV' && code !== 'EPERM') throw err;
    await copyFile(blobPath(from, digest), blobPath(to, digest));
  }
}

/** The base config with the new layer's diff_id and a history entry (they must stay in step). */
function derivedConfig(base: ImageConfig, diffId: string): Buffer {
  const step = {
    created: new Date().toISOString(),
    created_by: 'walt-operator local/default-image: extra files',
  };
  const rootfs = { ...base.rootfs, diff_ids: [...base.rootfs.diff_ids, diffId] };
  return Buffer.from(JSON.stringify({ ...base, rootfs, history: [...(base.history ?? []), step] }));
}

/**
 * Writes into `toDir` (an empty or missing directory) the image `source.tag` of `source.layoutDir` plus one layer
 * holding `files`, under the same tag. Returns the new manifest's digest.
 */
export async function deriveLayout(
  source: { layoutDir: string; tag: string },
  toDir: string,
  files: ExtraFiles,
): Promise<string> {
  const from = source.layoutDir;
  const manifest = await readJson<Manifest>(blobPath(from, (await findManifest(from, source.tag)).digest));
  await mkdir(path.join(toDir, 'blobs', 'sha256'), { recursive: true });
  for (const layer of manifest.layers) await linkBlob(from, toDir, layer.digest);
  const layer = await filesLayer(files);
  const layerBlob = await writeBlob(toDir, layer.gz);
  const baseConfig = await readJson<ImageConfig>(blobPath(from, manifest.config.digest));
  const configBlob = await writeBlob(toDir, derivedConfig(baseConfig, layer.diffId));
  const derived: Manifest = {
    ...manifest,
    config: { ...manifest.config, digest: configBlob.digest, size: configBlob.size },
    layers: [...manifest.layers, { ...layerBlob, mediaType: LAYER_TYPE }],
  };
  const manifestBlob = await writeBlob(toDir, Buffer.from(JSON.stringify(derived)));
  const entry = { ...manifestBlob, mediaType: MANIFEST_TYPE, annotations: { [REF_NAME]: source.tag } };
  const index = { schemaVersion: 2, mediaType: INDEX_TYPE, manifests: [entry] };
  await writeFile(path.join(toDir, 'index.json'), JSON.stringify(index));
  await writeFile(path.join(toDir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  return manifestBlob.digest;
}
