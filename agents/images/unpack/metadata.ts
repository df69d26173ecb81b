// Ownership, mode and times of entries. Set after content: chown clears setuid/setgid, so chmod follows it.
import { chmodSync, fchmodSync, fchownSync, futimesSync, lchownSync, lutimesSync } from 'node:fs';
import type { Header } from 'tar-stream';
import type { LayerContext } from './context.js';

export interface EntryMeta {
  /** Permission bits including setuid, setgid and sticky. */
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch (fractional with PAX). */
  mtime: number;
}

/** tar-stream attaches the PAX records of an entry to its header; @types/tar-stream does not say so. */
export function paxOf(header: Header): Record<string, string> | undefined {
  return (header as Header & { pax?: Record<string, string> | null }).pax ?? undefined;
}

export function metaOf(header: Header): EntryMeta {
  const pax = paxOf(header);
  return {
    mode: (header.mode ?? 0o644) & 0o7777,
    uid: numberOr(pax?.uid, header.uid ?? 0),
    gid: numberOr(pax?.gid, header.gid ?? 0),
    mtime: numberOr(pax?.mtime, (header.mtime?.getTime() ?? 0) / 1000),
  };
}

function numberOr(text: string | undefined, fallback: number): number {
  const value = text === undefined ? NaN : Number(text);
  return Number.isFinite(value) ? value : fallback;
}

export function applyFdMeta(ctx: LayerContext, fd: number, meta: EntryMeta): void {
  if (ctx.chown) fchownSync(fd, meta.uid, meta.gid);
  fchmodSync(fd, meta.mode);
  futimesSync(fd, meta.mtime, meta.mtime);
}

/** Symlinks and FIFOs: never follow the final component. */
export function applyLinkMeta(ctx: LayerContext, path: string, meta: EntryMeta): void {
  if (ctx.chown) lchownSync(path, meta.uid, meta.gid);
  lutimesSync(path, meta.mtime, meta.mtime);
}

/** Directories, after the whole layer: creating children no longer bumps their mtime. */
export function applyDirMeta(ctx: LayerContext): void {
  for (const [rel, meta] of ctx.dirMeta) {
    const path = ctx.resolver.abs(rel);
    if (ctx.chown) lchownSync(path, meta.uid, meta.gid);
    chmodSync(path, meta.mode);
    // lutimes: the path is a directory we verified, and this never follows a link if that ever changed.
    lutimesSync(path, meta.mtime, meta.mtime);
  }
  ctx.dirMeta.clear();
}
