import { lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { isWaltError } from '../../../common/errors.js';
import { requireRoot } from '../../../test/support/require-tool.js';
import { applyLayer } from './apply-layer.js';
import { UnpackUnsupportedMediaType } from './errors.js';
import {
  applyTar,
  DOCKER_GZIP,
  gzipOf,
  makeSandbox,
  streamOf,
  TAR,
  TAR_GZIP,
  TAR_ZSTD,
  tarOf,
  treeOf,
  zstdOf,
  type Sandbox,
  type TestEntry,
} from '../../../test/support/fixtures/oci-layers.js';

const MTIME = new Date('2021-06-07T08:09:10Z');

const baseLayer: TestEntry[] = [
  { name: './', type: 'directory', mode: 0o755 },
  { name: 'etc/', type: 'directory', mode: 0o755, mtime: MTIME },
  { name: 'etc/hostname', content: 'node\n', mode: 0o644, mtime: MTIME },
  { name: 'etc/localtime', type: 'symlink', linkname: '/usr/share/zoneinfo/UTC', mtime: MTIME },
  { name: 'usr/bin/', type: 'directory' },
  { name: 'usr/bin/passwd', content: 'ELF setuid', mode: 0o4755, uid: 0, gid: 0 },
  { name: 'usr/bin/wall', content: 'ELF setgid', mode: 0o2755, uid: 0, gid: 5 },
  { name: 'usr/bin/vi', type: 'symlink', linkname: '../../etc/alternatives/vi' },
  { name: 'usr/bin/view', type: 'link', linkname: 'usr/bin/passwd' },
  { name: 'tmp/', type: 'directory', mode: 0o1777 },
  { name: 'home/user/', type: 'directory', mode: 0o700, uid: 1000, gid: 1000 },
  { name: 'home/user/.profile', content: 'PS1=$\n', mode: 0o600, uid: 1000, gid: 1000 },
  { name: 'run/pipe', type: 'fifo', mode: 0o620 },
];

describe('applyLayer: a normal layer', () => {
  let sandbox: Sandbox;
  beforeEach(async () => {
    sandbox = await makeSandbox();
  });
  afterEach(() => sandbox.cleanup());

  it('creates files, directories, links and FIFOs with their modes, owners and times', async () => {
    // Given a base layer with setuid/setgid/sticky modes, symlinks (absolute and relative) and a hard link
    // When it is applied
    const stats = await applyTar(sandbox.root, baseLayer);
    // Then the tree holds exactly those entries (plus implicit parents), with their metadata
    const at = (rel: string): string => join(sandbox.root, rel);
    expect(readFileSync(at('etc/hostname'), 'utf8')).toBe('node\n');
    expect(lstatSync(at('usr/bin/passwd')).mode & 0o7777).toBe(0o4755);
    expect(lstatSync(at('usr/bin/wall')).mode & 0o7777).toBe(0o2755);
    expect(lstatSync(at('tmp')).mode & 0o7777).toBe(0o1777);
    expect(lstatSync(at('home/user')).mode & 0o7777).toBe(0o700);
    expect(readlinkSync(at('etc/localtime'))).toBe('/usr/share/zoneinfo/UTC');
    expect(readlinkSync(at('usr/bin/vi'))).toBe('../../etc/alternatives/vi');
    expect(lstatSync(at('usr/bin/view')).ino).toBe(lstatSync(at('usr/bin/passwd')).ino);
    expect(lstatSync(at('run/pipe')).isFIFO()).toBe(true);
    expect(lstatSync(at('run/pipe')).mode & 0o7777).toBe(0o620);
    expect(lstatSync(at('etc')).mtime).toEqual(MTIME);
    expect(lstatSync(at('etc/hostname')).mtime).toEqual(MTIME);
    expect(lstatSync(at('etc/localtime')).mtime).toEqual(MTIME);
    expect(stats).toEqual({
      entries: 13,
      files: 5,
      dirs: 5,
      symlinks: 2,
      hardlinks: 1,
      whiteouts: 0,
      bytes: 5 + 10 + 10 + 6,
      skipped: 0,
    });
  });

  it('sets owners with lchown when running as root', async () => {
    requireRoot('checking the owners a layer sets (lchown)');
    await applyTar(sandbox.root, baseLayer);
    const home = lstatSync(join(sandbox.root, 'home/user/.profile'));
    expect([home.uid, home.gid]).toEqual([1000, 1000]);
    expect(lstatSync(join(sandbox.root, 'usr/bin/wall')).gid).toBe(5);
    expect(lstatSync(join(sandbox.root, 'usr/bin/wall')).mode & 0o7777).toBe(0o2755);
  });

  it('handles PAX long names, long link targets and PAX mtimes', async () => {
    // Given names far beyond the 100/155-byte ustar fields
    const longDir = `${'d'.repeat(120)}/${'e'.repeat(150)}`;
    const longName = `${longDir}/${'f'.repeat(200)}.txt`;
    const layer = [
      { name: longName, content: 'long' },
      { name: 'lnk', type: 'symlink' as const, linkname: `/${longName}` },
      { name: 'pax-time', content: 'x', pax: { mtime: '1600000000.5' } },
    ];
    // When applied
    await applyTar(sandbox.root, layer);
    // Then the paths are whole
    expect(readFileSync(join(sandbox.root, longName), 'utf8')).toBe('long');
    expect(readlinkSync(join(sandbox.root, 'lnk'))).toBe(`/${longName}`);
    expect(lstatSync(join(sandbox.root, 'pax-time')).mtimeMs).toBe(1600000000500);
  });

  it.each([
    ['plain tar', TAR, (tar: Buffer) => tar],
    ['OCI gzip', TAR_GZIP, gzipOf],
    ['Docker gzip', DOCKER_GZIP, gzipOf],
    ['zstd', TAR_ZSTD, zstdOf],
  ])('decompresses %s layers', async (_label, mediaType, compress) => {
    // Given the same layer in each compression, with a file spanning many chunks
    const big = Buffer.alloc(3 * 1024 * 1024 + 17, 'x');
    const tar = await tarOf([...baseLayer, { name: 'big.bin', content: big }]);
    // When applied
    const stats = await applyLayer(sandbox.root, streamOf(compress(tar), 65536), { mediaType });
    // Then every entry arrived intact
    expect(stats.entries).toBe(baseLayer.length + 1);
    expect(readFileSync(join(sandbox.root, 'big.bin')).equals(big)).toBe(true);
    expect(treeOf(sandbox.root).size).toBe(16);
  });

  it('counts extended attributes as skipped and still writes the file', async () => {
    const stats = await applyTar(sandbox.root, [
      { name: 'bin/ping', content: 'ELF', pax: { 'SCHILY.xattr.security.capability': 'x' } },
    ]);
    expect(stats).toMatchObject({ files: 1, skipped: 1 });
  });

  it('refuses a media type it cannot decompress, before touching the root', async () => {
    const rejected = applyLayer(sandbox.root, streamOf(Buffer.alloc(0)), { mediaType: 'application/x-rar' });
    await expect(rejected).rejects.toMatchObject({ code: UnpackUnsupportedMediaType.code });
    await rejected.catch((error: unknown) => expect(isWaltError(error)).toBe(true));
  });

  it('applies an empty layer as nothing', async () => {
    const stats = await applyLayer(sandbox.root, streamOf(gzipOf(await tarOf([]))), { mediaType: TAR_GZIP });
    expect(stats.entries).toBe(0);
    expect(treeOf(sandbox.root).size).toBe(0);
  });
});
