// Exported views of images: a tree of hard links to the unpacked rootfs (no data copied, the cache
// untouched) with the project's node files added at /walt. Ganesha exports the view, so nodes see the
// image plus /walt; removing a view removes links only. (A read-only overlayfs would do the same, but
// ganesha's VFS layer cannot open overlay file handles here: ADR 0006.)
import { execFile } from 'node:child_process';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { NODE_DIR_IN_VIEW, stampOf, type NodeFile } from './node-files.js';

const run = promisify(execFile);

export interface ViewRequest {
  dir: string;
  rootfs: string;
  files: readonly NodeFile[];
}

function stampFile(dir: string): string {
  return `${dir}.stamp`;
}

async function currentStamp(dir: string): Promise<string | undefined> {
  return readFile(stampFile(dir), 'utf8').catch(() => undefined);
}

/** Replaces /walt of a view (links to an image's own /walt, if any, are dropped, not followed). */
async function writeNodeFiles(viewDir: string, files: readonly NodeFile[]): Promise<void> {
  const target = path.join(viewDir, NODE_DIR_IN_VIEW);
  await rm(target, { recursive: true, force: true });
  await mkdir(target, { mode: 0o755 });
  for (const file of files) {
    const where = path.join(target, file.name);
    await writeFile(where, file.content, { mode: file.mode });
    await chmod(where, file.mode);
  }
}

/**
 * Makes the view exist with these node files. Idempotent: an existing view only gets /walt rewritten,
 * and only when the files changed. Returns whether anything was written.
 */
export async function ensureView(request: ViewRequest): Promise<'created' | 'updated' | 'unchanged'> {
  const stamp = stampOf(request.files);
  const existing = await currentStamp(request.dir);
  if (existing === stamp) return 'unchanged';
  if (existing !== undefined) {
    await writeNodeFiles(request.dir, request.files);
    await writeFile(stampFile(request.dir), stamp);
    return 'updated';
  }
  const tmp = `${request.dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(path.dirname(request.dir), { recursive: true });
  await run('cp', ['-a', '-l', '--', `${request.rootfs}/.`, tmp]);
  await writeNodeFiles(tmp, request.files);
  await rm(request.dir, { recursive: true, force: true });
  await rename(tmp, request.dir);
  await writeFile(stampFile(request.dir), stamp);
  return 'created';
}

export async function removeView(dir: string): Promise<void> {
  await rm(stampFile(dir), { force: true });
  await rm(dir, { recursive: true, force: true });
}
