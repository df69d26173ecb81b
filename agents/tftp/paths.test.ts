import {
  normaliseRequestPath,
  resolveInRoot,
  splitRpiSerialPrefix,
  type FileKind,
  type FsProbe,
} from './paths.js';

/** An in-memory tree: paths → kind, symlinks → target. */
function fakeFs(entries: Record<string, FileKind | { link: string }>): FsProbe {
  return {
    lstat: (p) => {
      const e = entries[p];
      return Promise.resolve(e === undefined ? 'missing' : typeof e === 'string' ? e : 'symlink');
    },
    readlink: (p) => Promise.resolve((entries[p] as { link: string }).link),
  };
}

describe('normaliseRequestPath', () => {
  it.each([
    ['/start.ipxe', 'start.ipxe'],
    ['//a//b/./c', 'a/b/c'],
    ['a/../b', 'b'],
    ['/', ''],
  ])('%s → %s', (input, output) => {
    expect(normaliseRequestPath(input)).toEqual({ ok: true, path: output });
  });

  it.each(['../x', '../../etc/passwd', 'a/../../x', '/..'])('refuses %s', (input) => {
    const result = normaliseRequestPath(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('WALT_ERR_TFTP_PATH_ESCAPE');
  });
});

describe('splitRpiSerialPrefix', () => {
  it('drops an 8-hex-digit serial directory', () => {
    expect(splitRpiSerialPrefix('0123ABcd/start4.elf')).toEqual({ serial: '0123abcd', path: 'start4.elf' });
    expect(splitRpiSerialPrefix('0123abcd/overlays/x.dtbo')).toEqual({
      serial: '0123abcd',
      path: 'overlays/x.dtbo',
    });
  });

  it('leaves other paths alone', () => {
    for (const p of ['start4.elf', '0123abcd', '0123abcg/x', '0123abcde/x', 'overlays/a.dtbo']) {
      expect(splitRpiSerialPrefix(p)).toEqual({ path: p });
    }
  });
});

describe('resolveInRoot', () => {
  const fs = fakeFs({
    '/r/boot': 'dir',
    '/r/boot/m': 'dir',
    '/r/boot/m/k': 'file',
    '/r/boot/m/abs': { link: '/etc/passwd' },
    '/r/boot/m/rel': { link: '../../../../etc/passwd' },
    '/r/boot/m/up': { link: '../n/k2' },
    '/r/boot/n': 'dir',
    '/r/boot/n/k2': 'file',
    '/r/boot/m/loop': { link: 'loop' },
    '/r/boot/m/dir': 'dir',
    '/r/boot/m/dev': 'other',
    '/r/etc': 'dir',
    '/r/etc/passwd': 'file',
  });

  it('finds a regular file', async () => {
    await expect(resolveInRoot('/r', 'boot/m/k', fs)).resolves.toEqual({ ok: true, path: '/r/boot/m/k' });
  });

  it('resolves absolute symlinks inside the root, relative ones from their directory', async () => {
    await expect(resolveInRoot('/r', 'boot/m/abs', fs)).resolves.toEqual({ ok: true, path: '/r/etc/passwd' });
    await expect(resolveInRoot('/r', 'boot/m/up', fs)).resolves.toEqual({ ok: true, path: '/r/boot/n/k2' });
  });

  it('refuses a symlink climbing out of the root', async () => {
    await expect(resolveInRoot('/r', 'boot/m/rel', fs)).resolves.toEqual({ ok: false, reason: 'escape' });
  });

  it.each(['boot/m/nope', 'boot/m/dir', 'boot/m/dev', 'boot/m/k/x', ''])('%s is missing', async (p) => {
    await expect(resolveInRoot('/r', p, fs)).resolves.toEqual({ ok: false, reason: 'missing' });
  });

  it('stops symlink loops', async () => {
    await expect(resolveInRoot('/r', 'boot/m/loop', fs)).resolves.toEqual({ ok: false, reason: 'loop' });
  });
});
