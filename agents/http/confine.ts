// Resolves a path inside an image root filesystem as the node would see it: every symbolic link is
// followed inside the root (absolute targets are relative to the root, as in a chroot), and a ".."
// above the root — in the request or in a link — is an escape (WALT_ERR_HTTP_PATH_ESCAPE, 403).
// The result contains no symbolic link, so opening it (with O_NOFOLLOW) stays inside the root.
// Before that, the *request* is confined to the node's boot directory (confineToBootDir), as TFTP does
// (agents/tftp/paths.ts): only a link inside the image may lead elsewhere in the image.
import fs from 'node:fs/promises';
import path from 'node:path';
import { HttpPathEscape } from './errors.js';

/** The file-system calls the resolver needs (node:fs/promises by default; tests may pass others). */
export interface ConfineFs {
  lstat(p: string): Promise<{ isSymbolicLink(): boolean }>;
  readlink(p: string): Promise<string>;
}

export interface ConfineOptions {
  /** Links followed before giving up (ELOOP), as Linux does. */
  maxLinks?: number;
  fs?: ConfineFs;
}

const DEFAULT_MAX_LINKS = 40;

function parts(p: string): string[] {
  return p.split('/').filter((c) => c !== '' && c !== '.');
}

function loopError(request: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`too many symbolic links resolving ${request}`), { code: 'ELOOP' });
}

async function isLink(fsApi: ConfineFs, p: string): Promise<boolean> {
  try {
    return (await fsApi.lstat(p)).isSymbolicLink();
  } catch (err) {
    // A missing component ends the walk: the caller's open reports ENOENT.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw err;
  }
}

/**
 * `file` (a request path, URL-decoded once by the router) as a path relative to the boot directory:
 * "/", "\\" (a Windows-style separator, never part of a boot file name) and "." collapsed; a ".." that
 * climbs above the boot directory is an escape (WALT_ERR_HTTP_PATH_ESCAPE), never clamped, so no
 * request names a file outside `/boot/<model>/` whatever its encoding. A NUL byte is an escape too
 * (the route schema refuses it first).
 */
export function confineToBootDir(file: string): string {
  if (file.includes('\0')) throw HttpPathEscape(file);
  const kept: string[] = [];
  for (const part of file.split(/[\\/]/)) {
    if (part === '' || part === '.') continue;
    if (part !== '..') kept.push(part);
    else if (kept.pop() === undefined) throw HttpPathEscape(file);
  }
  return kept.join('/');
}

/**
 * The real path of `request` (relative to `root`, or absolute meaning "from the root") inside `root`,
 * with no symbolic link left. Throws WALT_ERR_HTTP_PATH_ESCAPE when it would leave `root`.
 * `root` itself is trusted (callers pass the real path of the unpacked image).
 */
export async function resolveInRoot(
  root: string,
  request: string,
  options: ConfineOptions = {},
): Promise<string> {
  const fsApi = options.fs ?? fs;
  let budget = options.maxLinks ?? DEFAULT_MAX_LINKS;
  const done: string[] = [];
  const todo = parts(request);
  for (let name = todo.shift(); name !== undefined; name = todo.shift()) {
    if (name === '..') {
      if (done.pop() === undefined) throw HttpPathEscape(request);
      continue;
    }
    const candidate = path.join(root, ...done, name);
    if (!(await isLink(fsApi, candidate))) {
      done.push(name);
      continue;
    }
    if (--budget < 0) throw loopError(request);
    const target = await fsApi.readlink(candidate);
    if (target.startsWith('/')) done.length = 0;
    todo.unshift(...parts(target));
  }
  return path.join(root, ...done);
}
