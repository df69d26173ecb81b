// Views on a real file system: hard links to the rootfs plus /walt, the rootfs never modified.
import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ensureView, removeView } from './export-view.js';
import type { NodeFile } from './node-files.js';

const files = (text: string): NodeFile[] => [
  { name: 'init', content: Buffer.from(`#!/bin/sh\n# ${text}\n`), mode: 0o755 },
  { name: 'lib.sh', content: Buffer.from('# lib\n'), mode: 0o644 },
];

describe('image views', () => {
  let dir: string;
  let rootfs: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'walt-view-'));
    rootfs = path.join(dir, 'rootfs');
    await mkdir(path.join(rootfs, 'etc'), { recursive: true });
    await writeFile(path.join(rootfs, 'etc', 'hostname'), 'image\n');
    await symlink('etc/hostname', path.join(rootfs, 'link'));
    // An image that has its own /walt: the view's must win, the image's must stay intact.
    await mkdir(path.join(rootfs, 'walt'));
    await writeFile(path.join(rootfs, 'walt', 'init'), 'the image own file\n');
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('links the image files, adds /walt, and leaves the rootfs untouched', async () => {
    const view = path.join(dir, 'views', 'v1');
    expect(await ensureView({ dir: view, rootfs, files: files('one') })).toBe('created');
    const [inView, inRootfs] = await Promise.all([
      stat(path.join(view, 'etc/hostname')),
      stat(path.join(rootfs, 'etc/hostname')),
    ]);
    expect(inView.ino).toBe(inRootfs.ino); // a link, no copy
    expect(await readFile(path.join(view, 'walt/init'), 'utf8')).toContain('# one');
    expect((await stat(path.join(view, 'walt/init'))).mode & 0o777).toBe(0o755);
    expect(await readFile(path.join(rootfs, 'walt/init'), 'utf8')).toBe('the image own file\n');
    expect(await readFile(path.join(view, 'link'), 'utf8')).toBe('image\n');
  });

  it('is idempotent, and rewrites /walt only when the node files change', async () => {
    const view = path.join(dir, 'views', 'v1');
    await ensureView({ dir: view, rootfs, files: files('one') });
    expect(await ensureView({ dir: view, rootfs, files: files('one') })).toBe('unchanged');
    expect(await ensureView({ dir: view, rootfs, files: files('two') })).toBe('updated');
    expect(await readFile(path.join(view, 'walt/init'), 'utf8')).toContain('# two');
    expect(await readFile(path.join(rootfs, 'walt/init'), 'utf8')).toBe('the image own file\n');
  });

  it('removes a view without touching the image', async () => {
    const view = path.join(dir, 'views', 'v1');
    await ensureView({ dir: view, rootfs, files: files('one') });
    await removeView(view);
    await expect(stat(view)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readFile(path.join(rootfs, 'etc/hostname'), 'utf8')).toBe('image\n');
  });
});
