// The project's node-side files (node/walt/: init, bootup notifier, helpers) as the agent injects them
// into every exported image view at /walt, plus image.env, the one file that depends on the image.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface NodeFile {
  name: string;
  content: Buffer;
  mode: number;
}

/** Where the injected files live in a view (the kernel's `init=/walt/init`). */
export const NODE_DIR_IN_VIEW = 'walt';
export const NODE_INIT = `/${NODE_DIR_IN_VIEW}/init`;

/** node/walt of this checkout (sources run by tsx, or the built dist/ beside it); WALT_NODE_FILES_DIR wins. */
export function nodeFilesDir(): string {
  const override = process.env.WALT_NODE_FILES_DIR;
  if (override) return override;
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, '../../node/walt'), path.join(here, '../../../node/walt')];
  const found = candidates.find((dir) => existsSync(path.join(dir, 'init')));
  if (!found)
    throw new Error(`node files not found (looked in ${candidates.join(', ')}); set WALT_NODE_FILES_DIR`);
  return found;
}

export async function readNodeFiles(dir: string = nodeFilesDir()): Promise<NodeFile[]> {
  const names = (await readdir(dir)).sort();
  return Promise.all(
    names.map(async (name) => {
      const file = path.join(dir, name);
      const [content, info] = await Promise.all([readFile(file), stat(file)]);
      return { name, content, mode: info.mode & 0o111 ? 0o755 : 0o644 };
    }),
  );
}

export interface ImageIdentity {
  namespace: string;
  name: string;
  digest: string;
}

/** Shell variables the node scripts source: which image this view is. */
export function imageEnvFile(image: ImageIdentity): NodeFile {
  const lines = [`walt_image_name=${image.namespace}/${image.name}`, `walt_image_digest=${image.digest}`, ''];
  return { name: 'image.env', content: Buffer.from(lines.join('\n')), mode: 0o644 };
}

/** A fingerprint of what is injected: a view whose stamp differs gets its /walt rewritten. */
export function stampOf(files: readonly NodeFile[]): string {
  const hash = createHash('sha256');
  for (const file of files) hash.update(`${file.name}\0${file.mode}\0`).update(file.content);
  return hash.digest('hex').slice(0, 16);
}
