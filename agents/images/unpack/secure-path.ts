// Path resolution inside the root filesystem, in the manner of Go's securejoin: entry names are cleaned
// lexically, then walked one component at a time; a symlink met on the way is followed *inside* the root
// (absolute targets start again at the root). Unlike securejoin, a `..` that would climb above the root
// is refused instead of clamped: no legitimate layer needs it and it is a classic escape attempt.
import { lstatSync, mkdirSync, readlinkSync, type Stats } from 'node:fs';
import { UnpackBadArchive, UnpackSymlinkEscape } from './errors.js';

/** Linux gives up after 40 hops (ELOOP); we do too. */
const MAX_SYMLINK_HOPS = 40;

/**
 * Cleans a tar entry name into root-relative components (leading `/`, `.` and empty parts dropped,
 * `..` applied). Returns null when `..` would leave the root.
 */
export function cleanPath(name: string): string[] | null {
  const out: string[] = [];
  for (const part of name.split('/')) {
    if (part === '..') {
      if (out.pop() === undefined) return null;
    } else if (part !== '' && part !== '.') {
      out.push(part);
    }
  }
  return out;
}

export function joinRel(parent: string, name: string): string {
  return parent === '' ? name : `${parent}/${name}`;
}

export function lstatOrNull(path: string): Stats | undefined {
  return lstatSync(path, { throwIfNoEntry: false });
}

type Probe = 'dir' | 'symlink' | 'missing';

/**
 * Resolves directories of one root filesystem. Results are cached by the entry's cleaned path, so a layer
 * whose entries come parent-first costs no extra syscall per entry; `forget()` drops the cache whenever
 * something is removed or replaced (the only way a resolved path can change).
 */
export class RootResolver {
  private readonly known = new Map<string, string>();

  /** `root` must be a real path (no symlink anywhere). `onCreate` hears of directories made on the way. */
  constructor(
    readonly root: string,
    private readonly onCreate: (rel: string) => void,
  ) {}

  abs(rel: string): string {
    return rel === '' ? this.root : `${this.root}/${rel}`;
  }

  remember(parts: readonly string[], rel: string): void {
    this.known.set(parts.join('/'), rel);
  }

  forget(): void {
    this.known.clear();
  }

  /**
   * Root-relative real path of directory `parts`: every component a real directory, symlinks followed
   * inside the root. Missing components are created (mode 0755) when `create`, else the result is null.
   * `entry` names the tar entry in errors.
   */
  resolveDir(parts: readonly string[], create: boolean, entry: string): string | null {
    const key = parts.join('/');
    const cached = this.known.get(key);
    if (cached !== undefined) return cached;
    const rel = this.walk(parts, create, entry);
    if (rel !== null) this.known.set(key, rel);
    return rel;
  }

  private walk(parts: readonly string[], create: boolean, entry: string): string | null {
    const resolved: string[] = [];
    const pending = [...parts].reverse();
    let lastLink = '';
    let hops = 0;
    for (let part = pending.pop(); part !== undefined; part = pending.pop()) {
      if (!this.step(resolved, part, entry, lastLink)) continue;
      const rel = resolved.join('/');
      const probe = this.probe(rel, create, entry);
      if (probe === 'missing') return null;
      if (probe === 'dir') continue;
      hops += 1;
      if (hops > MAX_SYMLINK_HOPS) throw UnpackBadArchive(entry, `too many levels of symlinks at "${rel}"`);
      lastLink = rel;
      this.expandLink(resolved, pending);
    }
    return resolved.join('/');
  }

  /** Applies one component to `resolved`; true when a new component was pushed and must be probed. */
  private step(resolved: string[], part: string, entry: string, lastLink: string): boolean {
    if (part === '' || part === '.') return false;
    if (part !== '..') {
      resolved.push(part);
      return true;
    }
    // Entry names are cleaned beforehand, so a `..` here comes from a symlink target.
    if (resolved.pop() === undefined) throw UnpackSymlinkEscape(entry, lastLink);
    return false;
  }

  /** Replaces the symlink at the end of `resolved` by its target, queued in front of what is pending. */
  private expandLink(resolved: string[], pending: string[]): void {
    const target = readlinkSync(this.abs(resolved.join('/')));
    resolved.pop();
    if (target.startsWith('/')) resolved.length = 0;
    const targetParts = target.split('/');
    for (let i = targetParts.length - 1; i >= 0; i -= 1) pending.push(targetParts[i] ?? '');
  }

  private probe(rel: string, create: boolean, entry: string): Probe {
    const stats = lstatOrNull(this.abs(rel));
    if (stats === undefined) return this.createMissing(rel, create);
    if (stats.isDirectory()) return 'dir';
    if (stats.isSymbolicLink()) return 'symlink';
    throw UnpackBadArchive(entry, `"${rel}" is not a directory`);
  }

  private createMissing(rel: string, create: boolean): Probe {
    if (!create) return 'missing';
    mkdirSync(this.abs(rel), 0o755);
    this.onCreate(rel);
    return 'dir';
  }
}
