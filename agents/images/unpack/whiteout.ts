// OCI whiteouts: `.wh.<name>` removes <name> of lower layers, `.wh..wh..opq` empties its directory of
// lower-layer content. Both only touch lower layers, whatever their position in the tar: entries this
// layer added (ctx.added) stay, and so does a directory this layer re-declared, minus its lower children.
import { readdirSync } from 'node:fs';
import type { LayerContext } from './context.js';
import { UnpackBadArchive } from './errors.js';
import { removePath } from './replace.js';
import { joinRel, lstatOrNull } from './secure-path.js';

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_WHITEOUT = '.wh..wh..opq';

export type Whiteout = { kind: 'opaque' } | { kind: 'remove'; name: string } | { kind: 'ignore' };

/** What a whiteout basename asks for; null when `base` is an ordinary name. */
export function parseWhiteout(base: string, entry: string): Whiteout | null {
  if (!base.startsWith(WHITEOUT_PREFIX)) return null;
  if (base === OPAQUE_WHITEOUT) return { kind: 'opaque' };
  // Other `.wh..wh.` names are AUFS bookkeeping (plnk, aufs): meaningless in an OCI rootfs.
  if (base.startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`)) return { kind: 'ignore' };
  const name = base.slice(WHITEOUT_PREFIX.length);
  if (name === '' || name === '.' || name === '..') throw UnpackBadArchive(entry, 'invalid whiteout name');
  return { kind: 'remove', name };
}

/** Applies a whiteout found in directory `parentRel` (null: the directory does not exist). */
export async function applyWhiteout(
  ctx: LayerContext,
  parentRel: string | null,
  whiteout: Whiteout,
): Promise<void> {
  ctx.stats.whiteouts += 1;
  if (parentRel === null || whiteout.kind === 'ignore') return;
  if (whiteout.kind === 'remove') {
    await removeLower(ctx, joinRel(parentRel, whiteout.name));
    return;
  }
  const parent = lstatOrNull(ctx.resolver.abs(parentRel));
  if (parent?.isDirectory() === true) await removeLowerChildren(ctx, parentRel);
}

/** Removes the lower-layer part of `rel`: all of it, or, if this layer added it, its lower children. */
async function removeLower(ctx: LayerContext, rel: string): Promise<void> {
  if (!ctx.added.has(rel)) {
    await removePath(ctx, rel);
    return;
  }
  if (lstatOrNull(ctx.resolver.abs(rel))?.isDirectory() === true) await removeLowerChildren(ctx, rel);
}

async function removeLowerChildren(ctx: LayerContext, dirRel: string): Promise<void> {
  for (const name of readdirSync(ctx.resolver.abs(dirRel))) {
    await removeLower(ctx, joinRel(dirRel, name));
  }
}
