// Creating an entry where lower layers left something: the old path is removed, never written through
// (OCI: "removing the file path, recreating the file path"). A file replacing a hard-linked file must not
// change the other link, and a symlink at the final component must not be followed.
import { rm } from 'node:fs/promises';
import { unlinkSync } from 'node:fs';
import { forgetRemoved, type LayerContext } from './context.js';
import { lstatOrNull } from './secure-path.js';

/** Removes whatever is at `rel` (recursively for a directory); absent is fine. */
export async function removePath(ctx: LayerContext, rel: string): Promise<void> {
  const path = ctx.resolver.abs(rel);
  const stats = lstatOrNull(path);
  if (stats === undefined) return;
  // rm() does not follow symlinks inside the tree it deletes; async because a tree can be large.
  if (stats.isDirectory()) await rm(path, { recursive: true, force: true });
  else unlinkSync(path);
  forgetRemoved(ctx, rel);
}

function isExists(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'EEXIST';
}

/**
 * Runs `create` (which must fail with EEXIST rather than reuse an existing path); on EEXIST removes the
 * old path and runs it again. The common case, a new path, costs no extra syscall.
 */
export async function createReplacing<T>(ctx: LayerContext, rel: string, create: () => T): Promise<T> {
  try {
    return create();
  } catch (error) {
    if (!isExists(error)) throw error;
  }
  await removePath(ctx, rel);
  return create();
}
