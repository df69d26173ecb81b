import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { isWaltError } from '../../common/errors.js';
import { DefaultImageBadExtraFile, DefaultImageNoTag } from './errors.js';
import { parseFileArgs } from './image.js';
import { deriveLayout, entryName, filesLayer, findManifest } from './oci-layout.js';

/** Entry name → mode of a tar archive. */
async function modesOf(archive: Buffer): Promise<Record<string, number>> {
  const modes: Record<string, number> = {};
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    modes[header.name] = header.mode ?? -1;
    stream.on('end', next);
    stream.resume();
  });
  const finished = new Promise<void>((resolve) => extract.on('finish', () => resolve()));
  extract.end(archive);
  await finished;
  return modes;
}

const digestOf = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** A one-layer layout like build.sh writes (the layer's content does not matter here). */
async function baseLayout(dir: string): Promise<{ layer: string; manifest: string }> {
  await mkdir(path.join(dir, 'blobs', 'sha256'), { recursive: true });
  const put = async (data: Buffer): Promise<{ digest: string; size: number }> => {
    const digest = digestOf(data);
    await writeFile(path.join(dir, 'blobs', 'sha256', digest.slice(7)), data);
    return { digest, size: data.length };
  };
  const raw = Buffer.from('not really a tar');
  const layer = await put(gzipSync(raw));
  const config = await put(
    Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: { Labels: { 'walt.node.models': 'pc-x86-64' } },
        rootfs: { type: 'layers', diff_ids: [digestOf(raw)] },
        history: [{ created_by: 'base' }],
      }),
    ),
  );
  const manifestBody = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
  };
  const manifest = await put(Buffer.from(JSON.stringify(manifestBody)));
  const index = {
    schemaVersion: 2,
    manifests: [{ ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'latest' } }],
  };
  await writeFile(path.join(dir, 'index.json'), JSON.stringify(index));
  return { layer: layer.digest, manifest: manifest.digest };
}

async function blobJson(dir: string, digest: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(path.join(dir, 'blobs', 'sha256', digest.slice(7)), 'utf8')) as Record<
    string,
    unknown
  >;
}

describe('entryName', () => {
  it('strips the leading slash of a clean absolute path', () => {
    expect(entryName('/etc/walt-marker')).toBe('etc/walt-marker');
  });

  it.each(['etc/x', '/etc/../x', '/etc/./x', '/etc//x', '/', '/etc/'])('rejects %s', (file) => {
    expect(() => entryName(file)).toThrow(
      expect.objectContaining({ code: DefaultImageBadExtraFile.code }) as Error,
    );
  });
});

describe('filesLayer', () => {
  it('is deterministic and its diff_id is the digest of the uncompressed tar', async () => {
    const a = await filesLayer({ '/etc/b': 'two', '/etc/a': 'one' });
    const b = await filesLayer({ '/etc/a': 'one', '/etc/b': 'two' });
    expect(a.diffId).toBe(b.diffId);
    expect(digestOf(gunzipSync(a.gz))).toBe(a.diffId);
    expect(gunzipSync(a.gz).toString('latin1')).toContain('etc/a');
  });

  it('makes scripts executable and other files not', async () => {
    const layer = await filesLayer({ '/etc/walt/rc.d/50-x': '#!/bin/sh\ntrue\n', '/etc/m': 'm' });
    expect(await modesOf(gunzipSync(layer.gz))).toEqual({ 'etc/m': 0o644, 'etc/walt/rc.d/50-x': 0o755 });
  });
});

describe('parseFileArgs', () => {
  it('splits at the first "="', () => {
    expect(parseFileArgs(['/etc/x=a=b', '/etc/y='])).toEqual({ '/etc/x': 'a=b', '/etc/y': '' });
  });

  it('rejects a value without a path', () => {
    expect(() => parseFileArgs(['=x'])).toThrow('--file');
  });
});

describe('deriveLayout', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'walt-oci-layout-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('adds one layer on top of the base, sharing its blob, with config and history in step', async () => {
    // Given a base layout
    const from = path.join(dir, 'base');
    const base = await baseLayout(from);
    // When a marker file is added
    const to = path.join(dir, 'derived');
    const digest = await deriveLayout({ layoutDir: from, tag: 'latest' }, to, { '/etc/walt-marker': 'two' });
    // Then the derived manifest is tagged, keeps the base layer (hard-linked) and adds one
    expect((await findManifest(to, 'latest')).digest).toBe(digest);
    expect(digest).not.toBe(base.manifest);
    const manifest = (await blobJson(to, digest)) as {
      layers: Array<{ digest: string }>;
      config: { digest: string };
    };
    expect(manifest.layers.map((l) => l.digest)[0]).toBe(base.layer);
    expect(manifest.layers).toHaveLength(2);
    const blob = (d: string, root: string): string => path.join(root, 'blobs', 'sha256', d.slice(7));
    expect((await stat(blob(base.layer, to))).ino).toBe((await stat(blob(base.layer, from))).ino);
    const config = (await blobJson(to, manifest.config.digest)) as {
      rootfs: { diff_ids: string[] };
      history: unknown[];
      config: unknown;
    };
    expect(config.rootfs.diff_ids).toHaveLength(2);
    expect(config.history).toHaveLength(2);
    expect(config.config).toEqual({ Labels: { 'walt.node.models': 'pc-x86-64' } });
  });

  it('fails with a coded error for a missing tag', async () => {
    const from = path.join(dir, 'base');
    await baseLayout(from);
    const error = await deriveLayout({ layoutDir: from, tag: 'nope' }, path.join(dir, 'd'), {}).catch(
      (err: unknown) => err,
    );
    expect(isWaltError(error, DefaultImageNoTag)).toBe(true);
  });
});
