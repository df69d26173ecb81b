import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isWaltError } from '../../../common/errors.js';
import { applyLayer } from './apply-layer.js';
import {
  UnpackBadArchive,
  UnpackDeviceNode,
  UnpackEntryTooLarge,
  UnpackHardlinkEscape,
  UnpackPathEscape,
  UnpackSymlinkEscape,
  UnpackTooLarge,
  UnpackTooManyEntries,
} from './errors.js';
import type { UnpackLimits } from './limits.js';
import {
  gzipOf,
  makeSandbox,
  streamOf,
  TAR,
  TAR_GZIP,
  TAR_ZSTD,
  tarOf,
  zstdOf,
  type TestEntry,
} from '../../../test/support/fixtures/oci-layers.js';

const MARK = 'walt-unpack-escape-marker';

interface HostileCase {
  what: string;
  entries: TestEntry[];
  code: string;
  limits?: Partial<UnpackLimits>;
}

const hostile: HostileCase[] = [
  { what: '../escape', entries: [{ name: `../${MARK}`, content: 'x' }], code: UnpackPathEscape.code },
  {
    what: 'a/../../escape',
    entries: [{ name: `a/../../${MARK}`, content: 'x' }],
    code: UnpackPathEscape.code,
  },
  {
    what: '/abs/../../escape',
    entries: [{ name: `/abs/../../${MARK}`, content: 'x' }],
    code: UnpackPathEscape.code,
  },
  {
    what: 'a deep ../ into the sentinel',
    entries: [{ name: `x/../../sentinel/keep.txt`, content: 'overwritten' }],
    code: UnpackPathEscape.code,
  },
  {
    what: 'a symlink to ../.. then a file through it',
    entries: [
      { name: 'lnk', type: 'symlink', linkname: '../..' },
      { name: `lnk/${MARK}`, content: 'x' },
    ],
    code: UnpackSymlinkEscape.code,
  },
  {
    what: 'a symlink to ../sentinel then an overwrite through it',
    entries: [
      { name: 'lnk', type: 'symlink', linkname: '../sentinel' },
      { name: 'lnk/keep.txt', content: 'overwritten' },
    ],
    code: UnpackSymlinkEscape.code,
  },
  {
    what: 'a symlink chain that ends above the root',
    entries: [
      { name: 'a', type: 'symlink', linkname: 'b/c' },
      { name: 'b/', type: 'directory' },
      { name: 'b/c', type: 'symlink', linkname: '../d' },
      { name: 'd', type: 'symlink', linkname: '/usr/../..' },
      { name: `a/${MARK}`, content: 'x' },
    ],
    code: UnpackSymlinkEscape.code,
  },
  {
    what: 'a directory entry through an escaping symlink',
    entries: [
      { name: 'up', type: 'symlink', linkname: '../../..' },
      { name: `up/${MARK}/`, type: 'directory' },
    ],
    code: UnpackSymlinkEscape.code,
  },
  {
    what: 'a symlink loop',
    entries: [
      { name: 'loop1', type: 'symlink', linkname: 'loop2' },
      { name: 'loop2', type: 'symlink', linkname: 'loop1' },
      { name: 'loop1/x', content: 'x' },
    ],
    code: UnpackBadArchive.code,
  },
  {
    what: 'a hard link to ../../etc/passwd',
    entries: [{ name: 'passwd', type: 'link', linkname: '../../etc/passwd' }],
    code: UnpackHardlinkEscape.code,
  },
  {
    what: 'a hard link to the sentinel',
    entries: [{ name: 'keep', type: 'link', linkname: '../sentinel/keep.txt' }],
    code: UnpackHardlinkEscape.code,
  },
  {
    what: 'a hard link through an escaping symlink',
    entries: [
      { name: 'up', type: 'symlink', linkname: '../..' },
      { name: 'outside', type: 'link', linkname: 'up/outside.txt' },
    ],
    code: UnpackHardlinkEscape.code,
  },
  {
    what: 'a hard link to a missing target',
    entries: [{ name: 'h', type: 'link', linkname: 'missing' }],
    code: UnpackBadArchive.code,
  },
  {
    what: 'a hard link to a directory',
    entries: [
      { name: 'dir/', type: 'directory' },
      { name: 'h', type: 'link', linkname: 'dir' },
    ],
    code: UnpackBadArchive.code,
  },
  {
    what: 'a character device',
    entries: [{ name: 'dev/mem', type: 'character-device', devmajor: 1, devminor: 1 }],
    code: UnpackDeviceNode.code,
  },
  {
    what: 'a block device',
    entries: [{ name: 'dev/sda', type: 'block-device', devmajor: 8, devminor: 0 }],
    code: UnpackDeviceNode.code,
  },
  {
    what: 'an entry larger than maxEntrySize',
    entries: [{ name: 'big', content: Buffer.alloc(2048) }],
    limits: { maxEntrySize: 1024 },
    code: UnpackEntryTooLarge.code,
  },
  {
    what: 'a layer larger than maxTotalSize',
    entries: [
      { name: 'a', content: Buffer.alloc(600) },
      { name: 'b', content: Buffer.alloc(600) },
    ],
    limits: { maxTotalSize: 1000 },
    code: UnpackTooLarge.code,
  },
  {
    what: 'more than maxEntries entries',
    entries: Array.from({ length: 11 }, (_, i) => ({ name: `f${i}`, content: '' })),
    limits: { maxEntries: 10 },
    code: UnpackTooManyEntries.code,
  },
  {
    what: 'a name longer than maxPathLength',
    entries: [{ name: 'n'.repeat(300), content: '' }],
    limits: { maxPathLength: 255 },
    code: UnpackBadArchive.code,
  },
  {
    what: 'a non-directory entry standing for the root',
    entries: [{ name: '/', type: 'symlink', linkname: '/tmp' }],
    code: UnpackBadArchive.code,
  },
];

describe('applyLayer: hostile layers are refused and the host is untouched', () => {
  it.each(hostile)('refuses $what with $code', async ({ entries, code, limits }) => {
    // Given a layer built to escape or exhaust, When it is applied, Then it is refused with its code
    await expectRefusedTar(await tarOf(entries), code, limits);
  });

  it.each([
    ['a truncated gzip stream', TAR_GZIP, async () => cut(await gzipped(), 0.5)],
    ['a gzip stream missing only its trailer', TAR_GZIP, async () => (await gzipped()).subarray(0, -4)],
    ['a truncated zstd stream', TAR_ZSTD, async () => cut(zstdOf(await plainTar()), 0.5)],
    ['a truncated tar', TAR, async () => cut(await plainTar(), 0.5)],
    ['garbage bytes as gzip', TAR_GZIP, () => Promise.resolve(Buffer.from('this is not gzip at all'))],
    ['garbage bytes as zstd', TAR_ZSTD, () => Promise.resolve(Buffer.from('this is not zstd at all'))],
    ['garbage bytes as tar', TAR, () => Promise.resolve(Buffer.alloc(4096, 'garbage!'))],
    ['gzip of garbage', TAR_GZIP, () => Promise.resolve(gzipOf(Buffer.alloc(4096, 'garbage!')))],
  ])('refuses %s as a bad archive', async (_what, mediaType, data) => {
    await expectRefusedData(await data(), mediaType, UnpackBadArchive.code);
  });

  it('refuses endless zero padding after the last entry (decompression bomb)', async () => {
    const tar = Buffer.concat([await plainTar(), Buffer.alloc(64 * 1024 * 1024)]);
    await expectRefusedData(gzipOf(tar), TAR_GZIP, UnpackBadArchive.code);
  });

  it('writes through an absolute symlink inside the root, never on the host', async () => {
    // lnk -> / is the node's own root: lnk/escape is <root>/escape, which is where the node sees it
    const sandbox = await makeSandbox();
    const before = sandbox.outside();
    try {
      const tar = await tarOf([
        { name: 'lnk', type: 'symlink', linkname: '/' },
        { name: `lnk/${MARK}`, content: 'inside' },
        { name: 'etc-link', type: 'symlink', linkname: '/etc' },
        { name: 'etc-link/passwd', content: 'not the host passwd' },
      ]);
      await applyLayer(sandbox.root, streamOf(tar), { mediaType: TAR });
      expect(readFileSync(join(sandbox.root, MARK), 'utf8')).toBe('inside');
      expect(readFileSync(join(sandbox.root, 'etc/passwd'), 'utf8')).toBe('not the host passwd');
      expect(existsSync(`/${MARK}`)).toBe(false);
      expect(readFileSync('/etc/passwd', 'utf8')).not.toContain('not the host passwd');
      expect(sandbox.outside()).toEqual(before);
    } finally {
      await sandbox.cleanup();
    }
  });
});

// Random content: the compressed stream is as long as the tar, so cutting it cuts real data.
const plainTar = (): Promise<Buffer> =>
  tarOf([
    { name: 'a', content: randomBytes(20_000) },
    { name: 'b', content: randomBytes(20_000) },
  ]);
const cut = (data: Buffer, fraction: number): Buffer => data.subarray(0, Math.floor(data.length * fraction));
const gzipped = async (): Promise<Buffer> => gzipOf(await plainTar());

function expectRefusedTar(tar: Buffer, code: string, limits?: Partial<UnpackLimits>): Promise<void> {
  return expectRefusedIn(code, (root) =>
    applyLayer(root, streamOf(gzipOf(tar)), { mediaType: TAR_GZIP, limits }),
  );
}

function expectRefusedData(data: Buffer, mediaType: string, code: string): Promise<void> {
  return expectRefusedIn(code, (root) => applyLayer(root, streamOf(data), { mediaType }));
}

async function expectRefusedIn(code: string, run: (root: string) => Promise<unknown>): Promise<void> {
  const sandbox = await makeSandbox();
  const before = sandbox.outside();
  try {
    const rejected = run(sandbox.root);
    await expect(rejected).rejects.toMatchObject({ code });
    await rejected.catch((error: unknown) => {
      expect(isWaltError(error)).toBe(true);
      expect((error as Error).message).toContain('refused');
    });
    // and nothing around the root changed, nor on the host
    expect(sandbox.outside()).toEqual(before);
    expect(readFileSync(join(sandbox.base, 'deep/sentinel/keep.txt'), 'utf8')).toBe('keep');
    expect(existsSync(`/${MARK}`)).toBe(false);
    expect(existsSync(`/tmp/${MARK}`)).toBe(false);
  } finally {
    await sandbox.cleanup();
  }
}
