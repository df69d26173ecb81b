// The base of both images: base/build.sh's debootstrap root filesystem (cached by the hash of the
// script, which holds the package list and every step), imported into buildah's storage as
// localhost/walt/base:<key> and tagged localhost/walt/base:bookworm, the Containerfiles' default BASE.
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Buildah } from './buildah.js';
import { progress, runStep } from './exec.js';
import { contentKey } from './keys.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const BUILD_SCRIPT = path.join(here, 'base', 'build.sh');
const TRIM_SCRIPT = path.join(here, '..', 'local', 'debian-trim.sh');
export const BASE_REPOSITORY = 'localhost/walt/base';
/** The Containerfiles' default BASE. */
export const BASE_DEFAULT_TAG = 'bookworm';

export async function baseKey(): Promise<string> {
  return contentKey([
    { name: 'base/build.sh', content: await readFile(BUILD_SCRIPT) },
    { name: 'local/debian-trim.sh', content: await readFile(TRIM_SCRIPT) },
  ]);
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/** The base image's reference in buildah's storage, made first if missing. */
export async function ensureBase(buildah: Buildah, cacheDir: string): Promise<string> {
  const key = await baseKey();
  const reference = `${BASE_REPOSITORY}:${key}`;
  if (!(await buildah.hasImage(reference))) {
    const dir = path.join(cacheDir, `container-base-${key}`);
    if (!(await exists(path.join(dir, '.complete')))) {
      progress('making the Debian base with debootstrap (about a minute)');
      await runStep('base image (debootstrap)', BUILD_SCRIPT, [dir]);
    }
    progress(`importing the base into buildah as ${reference}`);
    const container = (await buildah.capture('base container', ['from', '--quiet', 'scratch'])).trim();
    try {
      // `add` unpacks a local tar archive, owners and modes as recorded.
      await buildah.capture('base import', ['add', '--quiet', container, path.join(dir, 'rootfs.tar'), '/']);
      await buildah.capture('base config', [
        'config',
        '--env',
        'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        '--env',
        'LANG=C.UTF-8',
        '--cmd',
        '/bin/bash',
        '--created-by',
        'walt-operator images/base/build.sh (debootstrap bookworm minbase)',
        container,
      ]);
      await buildah.capture('base commit', ['commit', '--quiet', '--rm', container, reference]);
    } catch (error) {
      await buildah.capture('base cleanup', ['rm', container]).catch(() => undefined);
      throw error;
    }
  }
  await buildah.capture('base tag', ['tag', reference, `${BASE_REPOSITORY}:${BASE_DEFAULT_TAG}`]);
  return reference;
}
