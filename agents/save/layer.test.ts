import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { extract as tarExtract, pack as tarPack } from 'tar-stream';
import { SaveBadArchive, SaveTooLarge } from './errors.js';
import { buildLayer } from './layer.js';

type Spec = {
  name: string;
  type?: 'file' | 'directory' | 'character-device';
  content?: string;
  pax?: Record<string, string>;
};

async function tarOf(entries: Spec[]): Promise<Buffer> {
  const pack = tarPack();
  for (const entry of entries) {
    const { content, ...header } = entry;
    if (content === undefined) pack.entry({ ...header, devmajor: 0, devminor: 0 });
    else pack.entry({ ...header, type: 'file' }, content);
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack as unknown as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function entriesOf(tar: Buffer): Promise<Array<{ name: string; type: string; body: string }>> {
  const out: Array<{ name: string; type: string; body: string }> = [];
  const extract = tarExtract();
  Readable.from([tar]).pipe(extract);
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    out.push({ name: entry.header.name, type: entry.header.type, body: Buffer.concat(chunks).toString() });
  }
  return out;
}

describe('buildLayer: the node tar streamed into a gzipped OCI layer', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'walt-save-layer-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('converts whiteouts, leaves runtime paths out, and gives digests of what it wrote', async () => {
    // Given the tar of an upper dir: a new file, a deleted one, an opaque dir, runtime noise
    const upper = await tarOf([
      { name: './', type: 'directory' },
      { name: './root/', type: 'directory' },
      { name: './root/hello.txt', content: 'hello saved world\n' },
      { name: './etc/', type: 'directory' },
      { name: './etc/motd', type: 'character-device' },
      { name: './opt/app/', type: 'directory', pax: { 'SCHILY.xattr.trusted.overlay.opaque': 'y' } },
      { name: './opt/app/new', content: 'n' },
      { name: './run/walt/commands/x', content: 'runtime' },
      { name: './tmp/junk', content: 'junk' },
    ]);
    // When the layer is built
    const file = path.join(dir, 'layer');
    const layer = await buildLayer(Readable.from([upper]), file, 1 << 20);
    // Then the blob on disk is what the digests and sizes say
    const blob = await readFile(file);
    const tar = gunzipSync(blob);
    expect(layer.size).toBe(blob.length);
    expect(layer.digest).toBe(`sha256:${createHash('sha256').update(blob).digest('hex')}`);
    expect(layer.diffId).toBe(`sha256:${createHash('sha256').update(tar).digest('hex')}`);
    // And it holds the change the OCI way, without the runtime paths
    expect(await entriesOf(tar)).toEqual([
      { name: 'root/', type: 'directory', body: '' },
      { name: 'root/hello.txt', type: 'file', body: 'hello saved world\n' },
      { name: 'etc/', type: 'directory', body: '' },
      { name: 'etc/.wh.motd', type: 'file', body: '' },
      { name: 'opt/app/', type: 'directory', body: '' },
      { name: 'opt/app/.wh..wh..opq', type: 'file', body: '' },
      { name: 'opt/app/new', type: 'file', body: 'n' },
    ]);
    expect(layer.changeBytes).toBe('hello saved world\n'.length + 1);
    expect(layer.whiteouts).toBe(2);
  });

  it('refuses an upload larger than the limit, before the rest is read, and removes the file', async () => {
    const upper = await tarOf([{ name: './big', content: 'x'.repeat(64 * 1024) }]);
    const file = path.join(dir, 'layer');
    await expect(buildLayer(Readable.from([upper]), file, 8 * 1024)).rejects.toMatchObject({
      code: SaveTooLarge.code,
    });
    await expect(readFile(file)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a body that is not a tar', async () => {
    const garbage = Buffer.alloc(2048, 0x41);
    await expect(buildLayer(Readable.from([garbage]), path.join(dir, 'l'), 1 << 20)).rejects.toMatchObject({
      code: SaveBadArchive.code,
    });
  });
});
