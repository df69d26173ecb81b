// Which file a TFTP client gets for a requested name. Pure: the file system is seen through an injected
// FsProbe (lstat + readlink), so the rules are tested without disks and the agent binds the real one.
//
// - The TFTP root of a node is `decision.bootDir` (`<rootfs>/boot/<model>/`, walt-reference §4.3): a
//   request is normalised (leading "/" stripped, "//" and "." collapsed); ".." that climbs above the boot
//   directory is refused.
// - Raspberry Pi firmware asks `<serial>/<file>` (8 hex digits) first: the prefix is dropped, the node is
//   known by its MAC already (§4.3 a).
// - Every component is resolved inside the image root filesystem, the way the node would see it: an
//   absolute symlink target starts again at the rootfs, a ".." above the rootfs is refused
//   (WALT_ERR_TFTP_PATH_ESCAPE), never clamped.
// - Some files are generated for the node rather than read from its image (a Raspberry Pi's cmdline.txt
//   and, when the image has none, config.txt: rpi-files.ts): the `generated` hook answers first.
// - A static directory (iPXE binaries such as undionly.kpxe, ipxe.efi) answers what the node's boot
//   directory does not have, and everything for machines that may not netboot (yet). It belongs to the
//   host, so its symlinks are the host's: followed from the host root (Debian links /usr/lib/ipxe/
//   ipxe.efi to /boot/ipxe.efi); only the request is confined to it.
import path from 'node:path';
import type { WaltError } from '../../common/errors.js';
import type { BootDecision, BootTarget } from '../netboot/gate.js';
import {
  TftpFileNotFound,
  TftpNotBootable,
  TftpPathEscape,
  TftpSymlinkLoop,
  TftpUnknownClient,
} from './errors.js';
import { TFTP_ERROR } from './packet.js';

export interface TftpRefusal {
  refused: true;
  /** TFTP ERROR code sent to the client. */
  tftpCode: number;
  error: WaltError;
}

export type FileKind = 'file' | 'dir' | 'symlink' | 'other' | 'missing';

export interface FsProbe {
  lstat(absolute: string): Promise<FileKind>;
  readlink(absolute: string): Promise<string>;
}

type Normalised = { ok: true; path: string } | { ok: false; error: WaltError };
type Walked = { ok: true; path: string } | { ok: false; reason: 'escape' | 'missing' | 'loop' };

/** Longest chain of symbolic links followed for one request (Linux uses 40). */
const MAX_SYMLINKS = 40;
const RPI_SERIAL = /^[0-9a-f]{8}$/i;

export function refusal(tftpCode: number, error: WaltError): TftpRefusal {
  return { refused: true, tftpCode, error };
}

export function isRefusal(value: unknown): value is TftpRefusal {
  return typeof value === 'object' && value !== null && (value as { refused?: unknown }).refused === true;
}

/** The request as a relative path under the TFTP root ("" for the root itself). */
export function normaliseRequestPath(filename: string): Normalised {
  const parts: string[] = [];
  for (const part of filename.split('/')) {
    if (part === '' || part === '.') continue;
    if (part !== '..') parts.push(part);
    else if (parts.pop() === undefined) return { ok: false, error: TftpPathEscape(filename) };
  }
  return { ok: true, path: parts.join('/') };
}

/** `0123abcd/start4.elf` → `{ serial: '0123abcd', path: 'start4.elf' }`; other paths unchanged. */
export function splitRpiSerialPrefix(relative: string): { serial?: string; path: string } {
  const slash = relative.indexOf('/');
  const head = relative.slice(0, slash);
  if (slash < 0 || !RPI_SERIAL.test(head)) return { path: relative };
  return { serial: head.toLowerCase(), path: relative.slice(slash + 1) };
}

function split(value: string): string[] {
  return value.split('/').filter((p) => p !== '' && p !== '.');
}

interface Walk {
  done: string[];
  todo: string[];
  links: number;
}

/** One component of the walk; returns a failure reason or undefined to go on. */
async function step(root: string, walk: Walk, probe: FsProbe): Promise<Walked | undefined> {
  const part = walk.todo.shift() as string;
  if (part === '..') return walk.done.pop() === undefined ? { ok: false, reason: 'escape' } : undefined;
  const here = path.join(root, ...walk.done, part);
  const kind = await probe.lstat(here);
  if (kind === 'symlink') {
    walk.links += 1;
    if (walk.links > MAX_SYMLINKS) return { ok: false, reason: 'loop' };
    const target = await probe.readlink(here);
    if (target.startsWith('/')) walk.done = [];
    walk.todo.unshift(...split(target));
    return undefined;
  }
  // Directories on the way, a regular file at the end; anything else is "not here".
  if (kind !== (walk.todo.length === 0 ? 'file' : 'dir')) return { ok: false, reason: 'missing' };
  walk.done.push(part);
  return undefined;
}

/**
 * Resolves `relative` inside `root` component by component, following symlinks as a process chrooted at
 * `root` would, except that ".." above `root` is an escape. Returns the real path of a regular file.
 */
export async function resolveInRoot(root: string, relative: string, probe: FsProbe): Promise<Walked> {
  const walk: Walk = { done: [], todo: split(relative), links: 0 };
  if (walk.todo.length === 0) return { ok: false, reason: 'missing' };
  while (walk.todo.length > 0) {
    const failed = await step(root, walk, probe);
    if (failed) return failed;
  }
  return { ok: true, path: path.join(root, ...walk.done) };
}

export interface BootPathResolverOptions {
  /** The client's MAC from the agent's DHCP leases, undefined when it has none. */
  macOfIp(ip: string): string | undefined;
  /** The netboot gate, bound to this agent's segment and view. */
  decide(mac: string): BootDecision;
  /** Files for every client (iPXE binaries); absent or empty: none. */
  staticDir?: string;
  /** A file generated for an allowed node instead of read from its image; undefined: not generated. */
  generated?: GeneratedFiles;
  probe: FsProbe;
}

export type ResolvedPath = { path: string; source: 'boot' | 'static' | 'generated' } | TftpRefusal;

/** `wanted` is the request without its serial prefix, relative to the node's boot directory. */
export type GeneratedFiles = (
  wanted: string,
  clientIp: string,
  target: BootTarget,
) => Promise<ResolvedPath | undefined>;

export function walkRefusal(reason: 'escape' | 'loop', filename: string): TftpRefusal {
  return reason === 'escape'
    ? refusal(TFTP_ERROR.ACCESS_VIOLATION, TftpPathEscape(filename))
    : refusal(TFTP_ERROR.FILE_NOT_FOUND, TftpSymlinkLoop(filename));
}

function notServed(
  filename: string,
  ip: string,
  mac: string | undefined,
  decision?: BootDecision,
): TftpRefusal {
  if (mac === undefined) return refusal(TFTP_ERROR.FILE_NOT_FOUND, TftpUnknownClient(ip, filename));
  if (decision && !decision.allow)
    return refusal(TFTP_ERROR.FILE_NOT_FOUND, TftpNotBootable(mac, decision.message));
  return refusal(TFTP_ERROR.FILE_NOT_FOUND, TftpFileNotFound(filename, 'the boot directory of the node'));
}

/** A generated file, or the node's boot directory; undefined when neither has the file. */
async function fromBootDir(
  options: BootPathResolverOptions,
  request: { filename: string; wanted: string; clientIp: string },
  target: BootTarget,
): Promise<ResolvedPath | undefined> {
  const made = await options.generated?.(request.wanted, request.clientIp, target);
  if (made) return made;
  const inImage = path.join(path.relative(target.rootfs, target.bootDir), request.wanted);
  const found = await resolveInRoot(target.rootfs, inImage, options.probe);
  if (found.ok) return { path: found.path, source: 'boot' };
  return found.reason === 'missing' ? undefined : walkRefusal(found.reason, request.filename);
}

/** Builds `(filename, clientIp) → path or refusal` for the agent's TFTP service. */
export function createBootPathResolver(
  options: BootPathResolverOptions,
): (filename: string, clientIp: string) => Promise<ResolvedPath> {
  const { probe, staticDir } = options;
  return async (filename, clientIp) => {
    const normalised = normaliseRequestPath(filename);
    if (!normalised.ok) return refusal(TFTP_ERROR.ACCESS_VIOLATION, normalised.error);
    const wanted = splitRpiSerialPrefix(normalised.path).path;
    const mac = options.macOfIp(clientIp);
    const decision = mac === undefined ? undefined : options.decide(mac);
    if (decision?.allow) {
      const inBoot = await fromBootDir(options, { filename, wanted, clientIp }, decision);
      if (inBoot) return inBoot;
    }
    if (staticDir) {
      // The static directory is the host's (a distribution package, root's), not an image: its links
      // are followed as the host follows them (Debian's ipxe.efi is a link to /boot/ipxe.efi). The
      // request itself stays inside it: normalised above, it holds no ".." any more.
      const found = await resolveInRoot('/', path.join(path.resolve(staticDir), wanted), probe);
      if (found.ok) return { path: found.path, source: 'static' };
      if (found.reason !== 'missing') return walkRefusal(found.reason, filename);
    }
    return notServed(filename, clientIp, mac, decision);
  };
}
