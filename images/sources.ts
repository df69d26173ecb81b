// The application's sources as cache-key inputs: every file that goes into the images' app layer or
// decides how it is built (the TypeScript the build compiles, the node-side scripts, the tsconfig
// files, the package files, this folder's Containerfiles and scripts). Their key is the default tag.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { KeyInput } from './keys.js';

/** Top-level files that decide the build. */
const ROOT_FILES = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];
/** Folders the build config includes that the images do not carry. */
const NOT_IN_IMAGES = new Set(['test', 'bench']);
const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.git']);

/** Whether a file (path relative to the repository) is part of what the images are made from (docs are not). */
export function isImageSource(relative: string): boolean {
  const parts = relative.split('/');
  if (parts.some((part) => SKIPPED_DIRS.has(part))) return false;
  if (NOT_IN_IMAGES.has(parts[0] ?? '')) return false;
  return !/\.test\.ts$|\.md$/.test(relative);
}

/** The folders tsconfig.json includes, plus images/ (Containerfiles and scripts). */
export function sourceFolders(tsconfig: { include?: unknown }): string[] {
  const include = Array.isArray(tsconfig.include) ? tsconfig.include : [];
  const folders = include.filter(
    (entry): entry is string => typeof entry === 'string' && /^[\w.-]+$/.test(entry),
  );
  return [...new Set([...folders, 'images'])].sort();
}

async function walk(root: string, relative: string, out: string[]): Promise<void> {
  const entries = await readdir(path.join(root, relative), { withFileTypes: true });
  for (const entry of entries) {
    const child = relative ? `${relative}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) await walk(root, child, out);
    } else if (entry.isFile() && isImageSource(child)) {
      out.push(child);
    }
  }
}

/** The top-level files and folders that hold the image sources (for git pathspecs). */
export async function imageSourcePaths(root: string): Promise<string[]> {
  const tsconfig = JSON.parse(await readFile(path.join(root, 'tsconfig.json'), 'utf8')) as {
    include?: unknown;
  };
  return [...ROOT_FILES, ...sourceFolders(tsconfig).filter((folder) => !NOT_IN_IMAGES.has(folder))];
}

/** Every image source of the repository at `root`, with its content. */
export async function imageSources(root: string): Promise<KeyInput[]> {
  const files: string[] = [];
  for (const entry of await imageSourcePaths(root)) {
    if (ROOT_FILES.includes(entry)) files.push(entry);
    else await walk(root, entry, files);
  }
  return Promise.all(files.map(async (name) => ({ name, content: await readFile(path.join(root, name)) })));
}
