// From an overlayfs upper directory to an OCI layer, entry by entry (pure; ADR 0021). The node's tar
// of its upper dir says "deleted" and "replaced" the overlayfs way; an OCI layer says them with names:
//   char device 0:0 <dir>/<name>                      → empty file <dir>/.wh.<name>
//   directory with xattr trusted.overlay.opaque=y     → the directory, plus <dir>/.wh..wh..opq
// Runtime paths of a WalT node (its RAM mounts, the helpers /walt/init links, /persist) are left out,
// and so are the overlay's bookkeeping xattrs. Other extended attributes are dropped as well: the tar
// reader gives PAX values as text, so binary ones (file capabilities) would be corrupted (docs/save.md).
// A redirect or metacopy xattr (renamed directories, metadata-only copy-up) cannot be said in OCI:
// the entry is refused rather than saved wrong.
import type { Header } from 'tar-stream';
import { SaveBadArchive, SaveUnsupportedOverlay } from './errors.js';

export const OCI_WHITEOUT_PREFIX = '.wh.';
export const OCI_OPAQUE = '.wh..wh..opq';

/** Paths of the node that are never part of a saved image (relative to /, no leading "./"). */
export const EXCLUDED_PATHS: readonly string[] = [
  'persist',
  'run',
  'tmp',
  'proc',
  'sys',
  'dev',
  'walt',
  'mnt/nfsroot',
];

/** The helpers /walt/init links into the RAM layer at every boot. */
const WALT_HELPER_LINK = /^usr\/local\/bin\/walt-[^/]*$/;

const XATTR = 'SCHILY.xattr.';

/** An entry as tar-stream reads it (the PAX records it carried, when any). */
export type TarHeader = Partial<Omit<Header, 'pax'>> & { name: string; pax?: Record<string, string> | null };

/** "./a/b/" → "a/b"; "" for the root. Refuses names that climb out of the layer. */
export function normaliseName(name: string): string {
  const parts = name.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) throw SaveBadArchive(`entry ${JSON.stringify(name)} climbs out of the overlay`);
  return parts.join('/');
}

export function isExcluded(path: string): boolean {
  if (WALT_HELPER_LINK.test(path)) return true;
  return EXCLUDED_PATHS.some((excluded) => path === excluded || path.startsWith(`${excluded}/`));
}

function overlayXattr(pax: Record<string, string> | null | undefined, name: string): string | undefined {
  return pax?.[`${XATTR}trusted.overlay.${name}`] ?? pax?.[`${XATTR}user.overlay.${name}`];
}

function isWhiteoutDevice(header: TarHeader): boolean {
  return header.type === 'character-device' && (header.devmajor ?? 0) === 0 && (header.devminor ?? 0) === 0;
}

function parentAndBase(path: string): { parent: string; base: string } {
  const slash = path.lastIndexOf('/');
  return slash < 0
    ? { parent: '', base: path }
    : { parent: path.slice(0, slash), base: path.slice(slash + 1) };
}

function join(parent: string, base: string): string {
  return parent === '' ? base : `${parent}/${base}`;
}

/** The header without its PAX records (path, size and times are in the header fields already). */
function plain(header: TarHeader, name: string): TarHeader {
  const rest = { ...header, name };
  delete rest.pax;
  return rest;
}

function marker(name: string, like: TarHeader): TarHeader {
  return {
    name,
    type: 'file',
    size: 0,
    mode: 0o644,
    uid: 0,
    gid: 0,
    ...(like.mtime ? { mtime: like.mtime } : {}),
  };
}

function refuseUnsupported(header: TarHeader, path: string): void {
  for (const what of ['redirect', 'metacopy']) {
    if (overlayXattr(header.pax, what) !== undefined) throw SaveUnsupportedOverlay(path, `overlay ${what}`);
  }
}

/**
 * The OCI entries for one entry of the upper dir's tar: none (left out), the entry itself, a whiteout
 * file in its place, or a directory followed by its opaque marker. The body of a regular file goes with
 * the entry of the same name (the first one returned).
 */
export function convertEntry(header: TarHeader): TarHeader[] {
  const path = normaliseName(header.name);
  if (path === '' || isExcluded(path)) return [];
  refuseUnsupported(header, path);
  if (isWhiteoutDevice(header)) {
    const { parent, base } = parentAndBase(path);
    return [marker(join(parent, `${OCI_WHITEOUT_PREFIX}${base}`), header)];
  }
  const { base } = parentAndBase(path);
  if (base.startsWith(OCI_WHITEOUT_PREFIX))
    throw SaveBadArchive(
      `${path}: a file name starting with ${OCI_WHITEOUT_PREFIX} cannot be saved in an OCI layer`,
    );
  if (header.type === 'directory') {
    const dir = plain(header, `${path}/`);
    if (overlayXattr(header.pax, 'opaque') === 'y') return [dir, marker(`${path}/${OCI_OPAQUE}`, header)];
    return [dir];
  }
  if (header.type === 'link' && header.linkname) {
    const target = normaliseName(header.linkname);
    if (isExcluded(target)) return [];
    return [{ ...plain(header, path), linkname: target }];
  }
  return [plain(header, path)];
}
