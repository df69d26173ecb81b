// One writer per entry type. Paths handed in are root-relative real paths from the resolver; the final
// component is created with calls that never follow a symlink (O_EXCL|O_NOFOLLOW, symlink, link, mkdir).
import { execFile } from 'node:child_process';
import { closeSync, constants, linkSync, mkdirSync, openSync, symlinkSync, writeSync } from 'node:fs';
import { promisify } from 'node:util';
import type { Header } from 'tar-stream';
import type { LayerContext, LayerEntry as Entry } from './context.js';
import { isWaltError } from '../../../common/errors.js';
import { UnpackBadArchive, UnpackHardlinkEscape, UnpackSymlinkEscape } from './errors.js';
import { applyFdMeta, applyLinkMeta, metaOf } from './metadata.js';
import { createReplacing, removePath } from './replace.js';
import { cleanPath, joinRel, lstatOrNull } from './secure-path.js';

const runFile = promisify(execFile);
const NEW_FILE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** Streams a regular file's content; metadata goes on the open descriptor (no path lookup again). */
export async function writeFile(ctx: LayerContext, entry: Entry, rel: string): Promise<void> {
  const { header } = entry;
  ctx.limits.checkDeclaredSize(header.name, header.size ?? 0);
  const path = ctx.resolver.abs(rel);
  const fd = await createReplacing(ctx, rel, () => openSync(path, NEW_FILE, 0o600));
  ctx.added.add(rel);
  let written = 0;
  try {
    for await (const chunk of entry as AsyncIterable<Buffer>) {
      written += chunk.length;
      ctx.limits.addContent(header.name, chunk.length, written);
      writeAll(fd, chunk);
    }
    applyFdMeta(ctx, fd, metaOf(header));
  } finally {
    closeSync(fd);
  }
  ctx.stats.files += 1;
  ctx.stats.bytes += written;
}

function writeAll(fd: number, chunk: Buffer): void {
  for (let offset = 0; offset < chunk.length;) {
    offset += writeSync(fd, chunk, offset, chunk.length - offset);
  }
}

/** A directory over a directory keeps its content; over anything else replaces it. Metadata comes later. */
export async function makeDir(ctx: LayerContext, parts: readonly string[], header: Header): Promise<void> {
  const rel = parts.length === 0 ? '' : targetOf(ctx, parts, header.name);
  if (rel !== '') await ensureDir(ctx, rel);
  ctx.resolver.remember(parts, rel);
  ctx.added.add(rel);
  ctx.dirMeta.set(rel, metaOf(header));
  ctx.stats.dirs += 1;
}

async function ensureDir(ctx: LayerContext, rel: string): Promise<void> {
  const path = ctx.resolver.abs(rel);
  await createReplacing(ctx, rel, () => {
    try {
      mkdirSync(path, 0o755);
    } catch (error) {
      // An existing directory is kept; anything else (file, symlink) must be replaced.
      if (lstatOrNull(path)?.isDirectory() !== true) throw error;
    }
  });
}

/** Symlinks are created verbatim: an absolute target is interpreted inside the node, not here. */
export async function makeSymlink(ctx: LayerContext, rel: string, header: Header): Promise<void> {
  const target = header.linkname ?? '';
  if (target === '') throw UnpackBadArchive(header.name, 'symlink without a target');
  const path = ctx.resolver.abs(rel);
  await createReplacing(ctx, rel, () => symlinkSync(target, path));
  applyLinkMeta(ctx, path, metaOf(header));
  ctx.added.add(rel);
  ctx.stats.symlinks += 1;
}

/**
 * Hard links: the target is resolved inside the root like any entry path and must already exist as a
 * non-directory. It is checked before the link's own parents are created.
 */
export async function makeHardlink(
  ctx: LayerContext,
  parts: readonly string[],
  header: Header,
): Promise<void> {
  const targetRel = hardlinkTarget(ctx, header);
  const rel = targetOf(ctx, parts, header.name);
  if (targetRel !== rel) {
    const target = ctx.resolver.abs(targetRel);
    const path = ctx.resolver.abs(rel);
    await createReplacing(ctx, rel, () => linkSync(target, path));
  }
  ctx.added.add(rel);
  ctx.stats.hardlinks += 1;
}

function hardlinkTarget(ctx: LayerContext, header: Header): string {
  const linkname = header.linkname ?? '';
  const parts = cleanPath(linkname);
  if (parts === null) throw UnpackHardlinkEscape(header.name, linkname);
  const base = parts.at(-1);
  if (base === undefined) throw UnpackBadArchive(header.name, 'hard link to the root directory');
  const parentRel = resolveHardlinkParent(ctx, parts, header);
  const rel = parentRel === null ? null : joinRel(parentRel, base);
  const stats = rel === null ? undefined : lstatOrNull(ctx.resolver.abs(rel));
  if (rel === null || stats === undefined) {
    throw UnpackBadArchive(header.name, `hard link target "${linkname}" does not exist`);
  }
  if (stats.isDirectory())
    throw UnpackBadArchive(header.name, `hard link target "${linkname}" is a directory`);
  return rel;
}

function resolveHardlinkParent(ctx: LayerContext, parts: readonly string[], header: Header): string | null {
  try {
    return ctx.resolver.resolveDir(parts.slice(0, -1), false, header.name);
  } catch (error) {
    if (isWaltError(error, UnpackSymlinkEscape))
      throw UnpackHardlinkEscape(header.name, header.linkname ?? '');
    throw error;
  }
}

/**
 * FIFOs: Node has no mkfifo(3), so the coreutils binary makes them. They are rare in images (a few per
 * image at most), so a process per FIFO is cheap enough. mkfifo fails on an existing path, never follows it.
 */
export async function makeFifo(ctx: LayerContext, rel: string, header: Header): Promise<void> {
  const meta = metaOf(header);
  const path = ctx.resolver.abs(rel);
  await removePath(ctx, rel);
  await runFile('mkfifo', ['-m', meta.mode.toString(8), '--', path]);
  applyLinkMeta(ctx, path, meta);
  ctx.added.add(rel);
  ctx.stats.files += 1;
}

/** Root-relative path for a new non-root entry: its parent resolved (and created) inside the root. */
export function targetOf(ctx: LayerContext, parts: readonly string[], entry: string): string {
  const base = parts.at(-1);
  if (base === undefined) throw UnpackBadArchive(entry, 'only a directory may stand for the root');
  const parentRel = ctx.resolver.resolveDir(parts.slice(0, -1), true, entry) ?? '';
  return joinRel(parentRel, base);
}
