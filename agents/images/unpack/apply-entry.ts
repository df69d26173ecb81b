// One tar entry onto the root filesystem: checks common to every entry, then the writer for its type.
import type { LayerContext, LayerEntry as Entry } from './context.js';
import { UnpackBadArchive, UnpackDeviceNode, UnpackPathEscape } from './errors.js';
import { paxOf } from './metadata.js';
import { cleanPath } from './secure-path.js';
import { applyWhiteout, parseWhiteout, type Whiteout } from './whiteout.js';
import { makeDir, makeFifo, makeHardlink, makeSymlink, targetOf, writeFile } from './writers.js';

type Writer = (ctx: LayerContext, entry: Entry, parts: readonly string[]) => Promise<void>;

const WRITERS: Readonly<Record<string, Writer>> = {
  file: (ctx, entry, parts) => writeFile(ctx, entry, targetOf(ctx, parts, entry.header.name)),
  'contiguous-file': (ctx, entry, parts) => writeFile(ctx, entry, targetOf(ctx, parts, entry.header.name)),
  directory: (ctx, entry, parts) => drainThen(ctx, entry, () => makeDir(ctx, parts, entry.header)),
  symlink: (ctx, entry, parts) =>
    drainThen(ctx, entry, () => makeSymlink(ctx, targetOf(ctx, parts, entry.header.name), entry.header)),
  link: (ctx, entry, parts) => drainThen(ctx, entry, () => makeHardlink(ctx, parts, entry.header)),
  fifo: (ctx, entry, parts) =>
    drainThen(ctx, entry, () => makeFifo(ctx, targetOf(ctx, parts, entry.header.name), entry.header)),
};

const DEVICES = new Set(['character-device', 'block-device']);
const XATTR_PREFIXES = ['SCHILY.xattr.', 'LIBARCHIVE.xattr.'];

export async function applyEntry(ctx: LayerContext, entry: Entry): Promise<void> {
  const { header } = entry;
  const name = header.name;
  const type = header.type ?? 'file';
  ctx.stats.entries += 1;
  ctx.limits.countEntry(name);
  checkNames(ctx, name, header.linkname);
  const parts = cleanPath(name);
  if (parts === null) throw UnpackPathEscape(name);
  if (DEVICES.has(type)) throw UnpackDeviceNode(name, type.replace('-', ' '));
  const whiteout = parseWhiteout(parts.at(-1) ?? '', name);
  if (whiteout !== null) return applyWhiteoutEntry(ctx, entry, parts, whiteout);
  const writer = WRITERS[type];
  if (writer === undefined) return skip(ctx, entry, `unsupported entry type ${type}`);
  countXattrs(ctx, entry);
  return writer(ctx, entry, parts);
}

function checkNames(ctx: LayerContext, name: string, linkname: string | null | undefined): void {
  // A NUL would be cut by the kernel and name another file than the one checked.
  if (name.includes('\0')) throw UnpackBadArchive(name, 'NUL byte in the name');
  if (linkname === null || linkname === undefined) return;
  ctx.limits.checkLinkName(name, linkname);
  if (linkname.includes('\0')) throw UnpackBadArchive(name, 'NUL byte in the link target');
}

async function applyWhiteoutEntry(
  ctx: LayerContext,
  entry: Entry,
  parts: readonly string[],
  whiteout: Whiteout,
): Promise<void> {
  await drain(ctx, entry);
  // Looked up, never created: a whiteout in a directory that does not exist has nothing to remove.
  const parentRel = ctx.resolver.resolveDir(parts.slice(0, -1), false, entry.header.name);
  await applyWhiteout(ctx, parentRel, whiteout);
}

async function skip(ctx: LayerContext, entry: Entry, reason: string): Promise<void> {
  await drain(ctx, entry);
  ctx.stats.skipped += 1;
  ctx.logger.warn({ entry: entry.header.name, reason }, 'layer entry skipped');
}

/** Extended attributes need setxattr(2), which Node lacks: counted and logged, not applied. */
function countXattrs(ctx: LayerContext, entry: Entry): void {
  const pax = paxOf(entry.header);
  if (pax === undefined) return;
  const keys = Object.keys(pax).filter((key) => XATTR_PREFIXES.some((prefix) => key.startsWith(prefix)));
  if (keys.length === 0) return;
  ctx.stats.skipped += 1;
  ctx.logger.debug({ entry: entry.header.name, xattrs: keys }, 'extended attributes not applied');
}

async function drainThen(ctx: LayerContext, entry: Entry, write: () => Promise<void>): Promise<void> {
  await drain(ctx, entry);
  await write();
}

/** Consumes an entry's content (the parser waits for it), counting it against the limits. */
async function drain(ctx: LayerContext, entry: Entry): Promise<void> {
  if ((entry.header.size ?? 0) === 0) {
    entry.resume();
    return;
  }
  let seen = 0;
  for await (const chunk of entry as AsyncIterable<Buffer>) {
    seen += chunk.length;
    ctx.limits.addContent(entry.header.name, chunk.length, seen);
  }
}
