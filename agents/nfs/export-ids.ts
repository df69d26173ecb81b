// Export ids are part of every NFS file handle a client holds: an export keeps its id for the life of
// the cache (across agent restarts) and a retired id is not handed to another directory, so a stale
// handle can never open a file of a different export.
import { readFile, rename, writeFile } from 'node:fs/promises';

/** Ganesha's ids are 16-bit and 0 is its pseudo-filesystem root. */
const MAX_ID = 65535;

export type ExportIds = Record<string, number>;

/** The id of `dir`, allocating the next unused one (pure: returns the possibly extended table). */
export function allocateExportId(ids: ExportIds, dir: string): { id: number; ids: ExportIds } {
  const known = ids[dir];
  if (known !== undefined) return { id: known, ids };
  const used = new Set(Object.values(ids));
  let id = Math.max(0, ...used) + 1;
  // Only after 65535 directories: fall back to the lowest free id.
  if (id > MAX_ID) for (id = 1; used.has(id) && id <= MAX_ID; id++);
  if (id > MAX_ID) throw new Error('no NFS export id left (65535 in use)');
  return { id, ids: { ...ids, [dir]: id } };
}

export async function loadExportIds(file: string): Promise<ExportIds> {
  try {
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as ExportIds) : {};
  } catch {
    return {};
  }
}

export async function saveExportIds(file: string, ids: ExportIds): Promise<void> {
  const tmp = `${file}.tmp`;
  await writeFile(tmp, JSON.stringify(ids, null, 1));
  await rename(tmp, file);
}
