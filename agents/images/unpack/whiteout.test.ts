import { existsSync, lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { isWaltError } from '../../../common/errors.js';
import { UnpackBadArchive } from './errors.js';
import { applyTar, makeSandbox, treeOf, type Sandbox } from '../../../test/support/fixtures/oci-layers.js';
import { parseWhiteout } from './whiteout.js';

describe('parseWhiteout', () => {
  it('tells whiteouts, opaque whiteouts and AUFS bookkeeping apart from ordinary names', () => {
    expect(parseWhiteout('hosts', 'etc/hosts')).toBeNull();
    expect(parseWhiteout('.wh.hosts', 'etc/.wh.hosts')).toEqual({ kind: 'remove', name: 'hosts' });
    expect(parseWhiteout('.wh..wh..opq', 'etc/.wh..wh..opq')).toEqual({ kind: 'opaque' });
    expect(parseWhiteout('.wh..wh.plnk', '.wh..wh.plnk')).toEqual({ kind: 'ignore' });
  });

  it.each(['.wh.', '.wh..', '.wh...'])('refuses the whiteout name %j', (base) => {
    let thrown: unknown;
    try {
      parseWhiteout(base, base);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: UnpackBadArchive.code });
  });
});

describe('applyLayer: whiteouts and replacements across layers', () => {
  let sandbox: Sandbox;
  const at = (rel: string): string => join(sandbox.root, rel);
  beforeEach(async () => {
    sandbox = await makeSandbox();
    // Given a lower layer
    await applyTar(sandbox.root, [
      { name: 'etc/', type: 'directory' },
      { name: 'etc/keep', content: 'keep' },
      { name: 'etc/gone', content: 'gone' },
      { name: 'var/lib/apt/', type: 'directory' },
      { name: 'var/lib/apt/lists/a', content: 'a' },
      { name: 'var/lib/apt/lists/b', content: 'b' },
      { name: 'opt/app/', type: 'directory' },
      { name: 'opt/app/old/deep/file', content: 'old' },
      { name: 'opt/app/config', content: 'old config' },
      { name: 'srv/', type: 'directory' },
      { name: 'srv/x', content: 'x' },
      { name: 'data', content: 'a file that becomes a directory' },
      { name: 'lib', type: 'symlink', linkname: 'usr/lib' },
      { name: 'usr/lib/libc.so', content: 'libc' },
    ]);
  });
  afterEach(() => sandbox.cleanup());

  it('removes whited-out files and directories recursively, and hides the whiteout itself', async () => {
    // When an upper layer whites out a file and a whole tree
    const stats = await applyTar(sandbox.root, [
      { name: 'etc/.wh.gone', content: '' },
      { name: 'var/lib/.wh.apt', content: '' },
      { name: 'nowhere/.wh.missing', content: '' },
    ]);
    // Then both are gone, no whiteout file or missing directory appears, and the rest stays
    expect(existsSync(at('etc/gone'))).toBe(false);
    expect(existsSync(at('var/lib/apt'))).toBe(false);
    expect(existsSync(at('var/lib'))).toBe(true);
    expect(readFileSync(at('etc/keep'), 'utf8')).toBe('keep');
    expect([...treeOf(sandbox.root).keys()].filter((path) => path.includes('.wh.'))).toEqual([]);
    expect(existsSync(at('nowhere'))).toBe(false);
    expect(stats.whiteouts).toBe(3);
  });

  it('applies an opaque whiteout to lower content only, wherever it sits in the layer', async () => {
    // When the layer re-creates opt/app/old and adds new files, with the opaque marker *after* them
    await applyTar(sandbox.root, [
      { name: 'opt/app/', type: 'directory' },
      { name: 'opt/app/old/', type: 'directory' },
      { name: 'opt/app/old/new-file', content: 'new' },
      { name: 'opt/app/fresh', content: 'fresh' },
      { name: 'opt/app/.wh..wh..opq', content: '' },
      // and srv gets its marker first, then new content
      { name: 'srv/.wh..wh..opq', content: '' },
      { name: 'srv/y', content: 'y' },
    ]);
    // Then only this layer's entries remain under the opaque directories
    expect([...treeOf(at('opt/app')).keys()]).toEqual(['fresh', 'old', 'old/new-file']);
    expect([...treeOf(at('srv')).keys()]).toEqual(['y']);
  });

  it('keeps a file that the same layer added before whiting it out', async () => {
    await applyTar(sandbox.root, [
      { name: 'etc/added', content: 'added' },
      { name: 'etc/.wh.added', content: '' },
    ]);
    expect(readFileSync(at('etc/added'), 'utf8')).toBe('added');
  });

  it('replaces a directory by a file, a file by a directory, and a directory by a symlink', async () => {
    await applyTar(sandbox.root, [
      { name: 'var/lib/apt', content: 'now a file' },
      { name: 'data/', type: 'directory', mode: 0o750 },
      { name: 'data/inside', content: 'inside' },
      { name: 'srv', type: 'symlink', linkname: '/var/srv' },
    ]);
    expect(readFileSync(at('var/lib/apt'), 'utf8')).toBe('now a file');
    expect(lstatSync(at('data')).mode & 0o7777).toBe(0o750);
    expect(readFileSync(at('data/inside'), 'utf8')).toBe('inside');
    expect(readlinkSync(at('srv'))).toBe('/var/srv');
  });

  it('keeps directory content when a directory entry lands on an existing directory', async () => {
    await applyTar(sandbox.root, [{ name: 'etc/', type: 'directory', mode: 0o711 }]);
    expect(lstatSync(at('etc')).mode & 0o7777).toBe(0o711);
    expect(readFileSync(at('etc/keep'), 'utf8')).toBe('keep');
  });

  it('replaces a file by unlinking it, so a hard link of the lower layer keeps the old content', async () => {
    await applyTar(sandbox.root, [{ name: 'etc/keep-link', type: 'link', linkname: 'etc/keep' }]);
    await applyTar(sandbox.root, [{ name: 'etc/keep', content: 'changed' }]);
    expect(readFileSync(at('etc/keep'), 'utf8')).toBe('changed');
    expect(readFileSync(at('etc/keep-link'), 'utf8')).toBe('keep');
  });

  it('replaces a symlink at the final component instead of writing through it', async () => {
    await applyTar(sandbox.root, [{ name: 'lib', content: 'a file now' }]);
    expect(lstatSync(at('lib')).isFile()).toBe(true);
    expect(readFileSync(at('usr/lib/libc.so'), 'utf8')).toBe('libc');
  });

  it('writes through an in-root symlink in a parent, like the node would see it', async () => {
    // lib -> usr/lib: lib/libm.so is usr/lib/libm.so
    await applyTar(sandbox.root, [{ name: 'lib/libm.so', content: 'libm' }]);
    expect(readFileSync(at('usr/lib/libm.so'), 'utf8')).toBe('libm');
    expect(lstatSync(at('lib')).isSymbolicLink()).toBe(true);
  });

  it('whites out through an in-root symlink in a parent', async () => {
    await applyTar(sandbox.root, [{ name: 'lib/.wh.libc.so', content: '' }]);
    expect(existsSync(at('usr/lib/libc.so'))).toBe(false);
  });

  it('refuses a file under an existing file', async () => {
    const rejected = applyTar(sandbox.root, [{ name: 'etc/keep/child', content: 'x' }]);
    await expect(rejected).rejects.toMatchObject({ code: UnpackBadArchive.code });
    await rejected.catch((error: unknown) => expect(isWaltError(error)).toBe(true));
  });
});
