// Which boot files a node gets: the names in its image's /boot/<model>/ directory (resolved inside
// the image root filesystem), handed to the pure chooser of ipxe-script.ts.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { BootTarget } from '../netboot/gate.js';
import { resolveInRoot } from './confine.js';
import { chooseBootFiles, type BootFiles } from './ipxe-script.js';

/** The boot files of an allowed target, or undefined when its boot directory has none (or is missing). */
export async function readBootFiles(
  target: Pick<BootTarget, 'rootfs' | 'bootDir'>,
): Promise<BootFiles | undefined> {
  const dir = await resolveInRoot(target.rootfs, path.relative(target.rootfs, target.bootDir));
  try {
    return chooseBootFiles(await fs.readdir(dir));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}
