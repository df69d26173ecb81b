// The project's own small OCI image writer for tests and benchmarks. It writes an OCI image layout
// (oci-layout, index.json, blobs/sha256/…) from a description of layers and config, and can write
// *any* tar entry — "../x", absolute paths, device nodes, ".wh." whiteouts — so that the unpacker
// can be tested against hostile images. pushLayout() sends a layout to a registry with skopeo.
import { execFile, spawn } from 'node:child_process';
import { createCipheriv, createHash, randomBytes, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Duplex, PassThrough, Readable, Transform, Writable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGzip } from 'node:zlib';
import tar, { type Header, type Pack } from 'tar-stream';

const run = promisify(execFile);

export type EntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo';

export interface LayerEntry {
  /** Written as is: nothing is normalised, so "../x" and "/etc/x" stay hostile. */
  path: string;
  type: EntryType;
  /** File content. */
  content?: Buffer | string;
  /** For a file without content: this many pseudo-random (incompressible) bytes. */
  size?: number;
  /** Target of a symlink or hardlink. */
  linkname?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: Date;
  devmajor?: number;
  devminor?: number;
  /** Extra PAX records, e.g. { 'SCHILY.xattr.user.x': 'y' }. */
  pax?: Record<string, string>;
}

export type Compression = 'gzip' | 'none' | 'zstd';

export interface ImageConfigDescription {
  architecture: string;
  os: string;
  variant?: string;
  labels?: Record<string, string>;
  env?: string[];
  cmd?: string[];
  entrypoint?: string[];
}

export interface ImageDescription {
  layers: LayerEntry[][];
  config: ImageConfigDescription;
  /** Layer compression (default gzip). */
  compression?: Compression;
  /** gzip level, 1 (fast) to 9 (default 6). */
  gzipLevel?: number;
}

export interface Blob {
  mediaType: string;
  digest: string;
  size: number;
}

export interface BuiltLayer extends Blob {
  /** Digest of the uncompressed tar (the config's rootfs.diff_ids). */
  diffId: string;
}

export interface BuiltImage {
  dir: string;
  tag: string;
  /** The manifest's digest: what a registry resolves the tag to. */
  digest: string;
  manifest: Blob;
  config: Blob;
  layers: BuiltLayer[];
  platform: { os: string; architecture: string; variant?: string };
}

export interface BuiltIndex {
  dir: string;
  tag: string;
  /** The index's digest. */
  digest: string;
  index: Blob;
  images: BuiltImage[];
}

// Docker v2 media types come from skopeo's conversion on push (PushOptions.format), not from here.
const MEDIA_TYPES = {
  oci: {
    index: 'application/vnd.oci.image.index.v1+json',
    manifest: 'application/vnd.oci.image.manifest.v1+json',
    config: 'application/vnd.oci.image.config.v1+json',
    layer: {
      gzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
      none: 'application/vnd.oci.image.layer.v1.tar',
      zstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
    },
  },
} as const;

type TarHeader = Partial<Header> & Pick<Header, 'name'>;

const TAR_TYPES = {
  file: 'file',
  dir: 'directory',
  symlink: 'symlink',
  hardlink: 'link',
  char: 'character-device',
  block: 'block-device',
  fifo: 'fifo',
} as const;

const DEFAULT_MODES: Record<EntryType, number> = {
  file: 0o644,
  dir: 0o755,
  symlink: 0o777,
  hardlink: 0o644,
  char: 0o666,
  block: 0o660,
  fifo: 0o644,
};

// A fixed time keeps layer digests reproducible from one run to the next.
const EPOCH = new Date('2024-01-01T00:00:00Z');
const REF_NAME = 'org.opencontainers.image.ref.name';

/** Writes one image into the layout at `dir` (created if needed) under `tag`. */
export async function buildImage(
  dir: string,
  description: ImageDescription,
  tag = 'latest',
): Promise<BuiltImage> {
  const image = await writeImageBlobs(dir, description, tag);
  await addToIndexJson(dir, tag, image.manifest);
  return image;
}

/** Writes several platform images and an index over them into the layout at `dir` under `tag`. */
export async function buildMultiArchImage(
  dir: string,
  descriptions: ImageDescription[],
  tag = 'latest',
): Promise<BuiltIndex> {
  const images: BuiltImage[] = [];
  for (const description of descriptions) images.push(await writeImageBlobs(dir, description, tag));
  const types = MEDIA_TYPES.oci;
  const document = {
    schemaVersion: 2,
    mediaType: types.index,
    manifests: images.map((image) => ({ ...image.manifest, platform: image.platform })),
  };
  const index = await writeJsonBlob(dir, types.index, document);
  await addToIndexJson(dir, tag, index);
  return { dir, tag, digest: index.digest, index, images };
}

export interface LargeImageOptions {
  sizeMiB: number;
  /** Layers to spread the data over (default 4). */
  layerCount?: number;
  /** Size of each data file (default 8 MiB). */
  fileMiB?: number;
  tag?: string;
  config?: ImageConfigDescription;
  compression?: Compression;
  /** Changes the pseudo-random content (and so the digests); default 1. */
  seed?: number;
}

/** An image of `sizeMiB` MiB of incompressible data in several layers, for benchmarks. */
export async function buildLargeImage(dir: string, options: LargeImageOptions): Promise<BuiltImage> {
  const layerCount = options.layerCount ?? 4;
  const fileBytes = (options.fileMiB ?? 8) * 1024 * 1024;
  const perLayer = Math.ceil((options.sizeMiB * 1024 * 1024) / layerCount);
  const layers = Array.from({ length: layerCount }, (_, layer) =>
    largeLayer(layer, perLayer, fileBytes, options.seed ?? 1),
  );
  const config = options.config ?? { architecture: 'amd64', os: 'linux' };
  return buildImage(
    dir,
    { layers, config, compression: options.compression ?? 'gzip', gzipLevel: 1 },
    options.tag,
  );
}

function largeLayer(layer: number, bytes: number, fileBytes: number, seed: number): LayerEntry[] {
  const entries: LayerEntry[] = [{ path: `data/${layer}`, type: 'dir' }];
  for (let offset = 0, file = 0; offset < bytes; offset += fileBytes, file += 1) {
    entries.push({
      path: `data/${layer}/${seed}-${file}.bin`,
      type: 'file',
      size: Math.min(fileBytes, bytes - offset),
    });
  }
  return entries;
}

/** One layer as bytes in memory (for unpacker unit tests that need no layout). */
export async function layerTar(entries: LayerEntry[], compression: Compression = 'gzip'): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback): void {
      chunks.push(chunk);
      callback();
    },
  });
  await packEntries(entries, compressor(compression, 6), sink);
  return Buffer.concat(chunks);
}

export interface PushOptions {
  /** Repository in the registry (default "walt/test"). */
  repository?: string;
  username?: string;
  password?: string;
  /** "v2s2": skopeo converts to Docker v2 schema 2 manifests and lists (digests then change). */
  format?: 'oci' | 'v2s2';
}

/**
 * Pushes the image or index tagged `tag` in a layout to `<host>/<repository>:<tag>` over plain http
 * with skopeo, keeping digests (unless converted to Docker types with `format: 'v2s2'`).
 * `registry` is a host ("127.0.0.1:5000") or a started test registry, whose credentials are then used.
 * Returns the pushed reference.
 */
export async function pushLayout(
  layoutDir: string,
  tag: string,
  registry: string | { host: string; username?: string; password?: string },
  options: PushOptions = {},
): Promise<string> {
  const { host, username, password } = destination(registry, options);
  const reference = `${host}/${options.repository ?? 'walt/test'}:${tag}`;
  const creds = username === undefined ? [] : ['--dest-creds', `${username}:${password ?? ''}`];
  const args = ['copy', '--quiet', '--insecure-policy', '--dest-tls-verify=false', '--all'];
  args.push(...(options.format === 'v2s2' ? ['--format', 'v2s2'] : ['--preserve-digests']));
  await run('skopeo', [...args, ...creds, `oci:${layoutDir}:${tag}`, `docker://${reference}`], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: layoutDir },
  });
  return reference;
}

function destination(
  registry: string | { host: string; username?: string; password?: string },
  options: PushOptions,
): { host: string; username?: string; password?: string } {
  const handle = typeof registry === 'string' ? { host: registry } : registry;
  return {
    host: handle.host,
    username: options.username ?? handle.username,
    password: options.password ?? handle.password,
  };
}

async function writeImageBlobs(dir: string, description: ImageDescription, tag: string): Promise<BuiltImage> {
  const types = MEDIA_TYPES.oci;
  const compression = description.compression ?? 'gzip';
  const layers: BuiltLayer[] = [];
  for (const entries of description.layers) {
    const written = await writeLayerBlob(dir, entries, compression, description.gzipLevel ?? 6);
    layers.push({ mediaType: types.layer[compression], ...written });
  }
  const config = await writeJsonBlob(dir, types.config, configDocument(description.config, layers));
  const manifest = await writeJsonBlob(dir, types.manifest, {
    schemaVersion: 2,
    mediaType: types.manifest,
    config,
    layers: layers.map(({ mediaType, digest, size }) => ({ mediaType, digest, size })),
  });
  const { os, architecture, variant } = description.config;
  const platform = variant === undefined ? { os, architecture } : { os, architecture, variant };
  return { dir, tag, digest: manifest.digest, manifest, config, layers, platform };
}

function configDocument(config: ImageConfigDescription, layers: BuiltLayer[]): object {
  return {
    created: EPOCH.toISOString(),
    architecture: config.architecture,
    os: config.os,
    ...(config.variant === undefined ? {} : { variant: config.variant }),
    config: {
      Labels: config.labels ?? {},
      Env: config.env ?? ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      ...(config.cmd ? { Cmd: config.cmd } : {}),
      ...(config.entrypoint ? { Entrypoint: config.entrypoint } : {}),
    },
    rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.diffId) },
    history: layers.map(() => ({
      created: EPOCH.toISOString(),
      created_by: 'walt-operator test oci-builder',
    })),
  };
}

async function writeJsonBlob(dir: string, mediaType: string, document: object): Promise<Blob> {
  const bytes = Buffer.from(JSON.stringify(document));
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  await mkdir(blobsDir(dir), { recursive: true });
  await writeFile(path.join(blobsDir(dir), digest.slice(7)), bytes);
  return { mediaType, digest, size: bytes.length };
}

async function writeLayerBlob(
  dir: string,
  entries: LayerEntry[],
  compression: Compression,
  gzipLevel: number,
): Promise<{ digest: string; size: number; diffId: string }> {
  await mkdir(blobsDir(dir), { recursive: true });
  const temporary = path.join(blobsDir(dir), `.tmp-${randomBytes(6).toString('hex')}`);
  const blob = new HashingTap();
  const file = createWriteStream(temporary);
  const diffId = await packEntries(entries, compressor(compression, gzipLevel), blob, file);
  const digest = blob.digest();
  await rename(temporary, path.join(blobsDir(dir), digest.slice(7)));
  return { digest, size: blob.bytes, diffId };
}

/** tar → (hash for diff_id) → compressor → sinks; resolves with the diff_id. */
async function packEntries(
  entries: LayerEntry[],
  compress: Duplex,
  ...sinks: Array<Transform | Writable>
): Promise<string> {
  const pack = tar.pack();
  const uncompressed = new HashingTap();
  // tar-stream streams are streamx streams: adapt to a Node stream through async iteration.
  const source = Readable.from(pack as AsyncIterable<Buffer>);
  const done = pipeline([source, uncompressed, compress, ...sinks]);
  for (const entry of entries) await addEntry(pack, entry);
  pack.finalize();
  await done;
  return uncompressed.digest();
}

async function addEntry(pack: Pack, entry: LayerEntry): Promise<void> {
  const content = typeof entry.content === 'string' ? Buffer.from(entry.content) : entry.content;
  const size = entry.type === 'file' ? (content?.length ?? entry.size ?? 0) : 0;
  const header = entryHeader(entry, size);
  if (content !== undefined || size === 0) {
    await new Promise<void>((resolve, reject) => {
      pack.entry(header, content ?? Buffer.alloc(0), (error) => (error ? reject(error) : resolve()));
    });
    return;
  }
  await writePseudoRandom(pack, header, entry.path);
}

function entryHeader(entry: LayerEntry, size: number): TarHeader {
  const { linkname, devmajor, devminor, pax } = entry;
  const optional = Object.entries({ linkname, devmajor, devminor, pax }).filter(
    ([, value]) => value !== undefined,
  );
  return {
    name: entry.path,
    type: TAR_TYPES[entry.type],
    mode: entry.mode ?? DEFAULT_MODES[entry.type],
    size,
    uid: entry.uid ?? 0,
    gid: entry.gid ?? 0,
    mtime: entry.mtime ?? EPOCH,
    ...(Object.fromEntries(optional) as Partial<TarHeader>),
  };
}

/** Streams `header.size` incompressible bytes derived from `seed` (AES-CTR over zeros: fast, reproducible). */
async function writePseudoRandom(pack: Pack, header: TarHeader, seed: string): Promise<void> {
  const key = createHash('sha256').update(seed).digest();
  const cipher = createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32));
  const zeros = Buffer.alloc(1024 * 1024);
  let done: (error?: Error | null) => void = () => undefined;
  const finished = new Promise<void>((resolve, reject) => {
    done = (error) => (error ? reject(error) : resolve());
  });
  const stream = pack.entry(header, (error) => done(error));
  for (let left = header.size ?? 0; left > 0; left -= zeros.length) {
    const chunk = cipher.update(zeros.subarray(0, Math.min(left, zeros.length)));
    if (!stream.write(chunk)) await once(stream as unknown as NodeJS.EventEmitter, 'drain');
  }
  stream.end(null);
  await finished;
}

function compressor(compression: Compression, gzipLevel: number): Duplex {
  if (compression === 'gzip') return createGzip({ level: gzipLevel });
  if (compression === 'none') return new PassThrough();
  const child = spawn('zstd', ['-q', '-c', '-3'], { stdio: ['pipe', 'pipe', 'inherit'] });
  return Duplex.from({ writable: child.stdin, readable: child.stdout });
}

class HashingTap extends Transform {
  private readonly hash: Hash = createHash('sha256');
  bytes = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    callback(null, chunk);
  }

  digest(): string {
    return `sha256:${this.hash.digest('hex')}`;
  }
}

function blobsDir(dir: string): string {
  return path.join(dir, 'blobs', 'sha256');
}

async function addToIndexJson(dir: string, tag: string, blob: Blob): Promise<void> {
  await writeFile(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const file = path.join(dir, 'index.json');
  const existing = await readFile(file, 'utf8')
    .then((text) => JSON.parse(text) as { manifests: Array<{ annotations?: Record<string, string> }> })
    .catch(() => ({ manifests: [] }));
  const others = existing.manifests.filter((entry) => entry.annotations?.[REF_NAME] !== tag);
  const entry = { ...blob, annotations: { [REF_NAME]: tag } };
  const index = { schemaVersion: 2, mediaType: MEDIA_TYPES.oci.index, manifests: [...others, entry] };
  await writeFile(file, JSON.stringify(index, null, 2));
}
