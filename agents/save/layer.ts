// The node's overlay tar, streamed into an OCI layer blob on the agent's disk (ADR 0021): each entry
// converted (whiteouts.ts), the converted tar hashed (its diff_id), gzipped, hashed again (the blob's
// digest) and written to `file`, all in one pass. The layer is never whole in memory: tar-stream hands
// file bodies through as they come. The node's upload is bounded before it is parsed.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { extract as tarExtract, pack as tarPack, type Pack } from 'tar-stream';
import { isWaltError } from '../../common/errors.js';
import { SaveBadArchive, SaveTooLarge } from './errors.js';
import { convertEntry, OCI_WHITEOUT_PREFIX, type TarHeader } from './whiteouts.js';

export interface SavedLayer {
  file: string;
  /** sha256 of the gzipped blob. */
  digest: string;
  /** Bytes of the gzipped blob. */
  size: number;
  /** sha256 of the uncompressed tar (the config's rootfs.diff_ids). */
  diffId: string;
  /** Bytes of regular-file content in the change (what the node wrote). */
  changeBytes: number;
  entries: number;
  whiteouts: number;
}

interface Entry extends Readable {
  header: TarHeader;
}

type EntryHeader = Parameters<Pack['entry']>[0];

/** Counts and hashes what passes; fails past `maxBytes` when given. */
class Meter extends Transform {
  bytes = 0;
  private readonly hash = createHash('sha256');

  constructor(private readonly maxBytes?: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.maxBytes !== undefined && this.bytes > this.maxBytes) {
      done(SaveTooLarge(this.maxBytes));
      return;
    }
    this.hash.update(chunk);
    done(null, chunk);
  }

  digest(): string {
    return `sha256:${this.hash.digest('hex')}`;
  }
}

/** Writes one converted entry; a regular file's body comes from `entry`. */
async function writeEntry(pack: Pack, header: TarHeader, entry: Entry | undefined): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const done = (err?: Error | null): void => (err ? reject(err) : resolve());
    if (entry) entry.pipe(pack.entry(header as EntryHeader, done));
    else pack.entry(header, Buffer.alloc(0), done);
  });
}

interface Counts {
  changeBytes: number;
  entries: number;
  whiteouts: number;
}

function count(counts: Counts, header: TarHeader, withBody: boolean): void {
  if (withBody) counts.changeBytes += header.size ?? 0;
  if (header.name.split('/').pop()?.startsWith(OCI_WHITEOUT_PREFIX) === true) counts.whiteouts += 1;
  counts.entries += 1;
}

/** Writes the converted entries of one entry of the node's tar. */
async function convertOne(entry: Entry, pack: Pack, counts: Counts): Promise<void> {
  const converted = convertEntry(entry.header);
  const carriesBody = entry.header.type === 'file' || entry.header.type === 'contiguous-file';
  for (const [index, header] of converted.entries()) {
    const body = index === 0 && carriesBody ? entry : undefined;
    count(counts, header, body !== undefined);
    await writeEntry(pack, header, body);
  }
  // A left-out entry (or one whose body is not copied): drain it so the parser goes on.
  if (converted.length === 0 || !carriesBody) entry.resume();
}

async function convertAll(extract: AsyncIterable<Entry>, pack: Pack, counts: Counts): Promise<void> {
  for await (const entry of extract) await convertOne(entry, pack, counts);
  pack.finalize();
}

function asArchiveError(error: unknown): Error {
  if (isWaltError(error)) return error;
  if (error instanceof Error && 'syscall' in error) return error;
  return SaveBadArchive(error instanceof Error ? error.message : String(error));
}

/**
 * Reads the node's tar from `source` (at most `maxBytes`), writes the gzipped OCI layer to `file`.
 * On failure the file is removed and the error is coded (WALT_ERR_SAVE_*), except host I/O errors.
 */
export async function buildLayer(source: Readable, file: string, maxBytes: number): Promise<SavedLayer> {
  const extract = tarExtract();
  const pack = tarPack();
  const input = new Meter(maxBytes);
  const diff = new Meter();
  const blob = new Meter();
  const counts: Counts = { changeBytes: 0, entries: 0, whiteouts: 0 };
  const reading = pipeline(source, input, extract);
  const writing = pipeline(pack, diff, createGzip({ level: 6 }), blob, createWriteStream(file));
  try {
    await Promise.all([
      reading,
      writing,
      convertAll(extract as unknown as AsyncIterable<Entry>, pack, counts),
    ]);
  } catch (error) {
    extract.destroy();
    pack.destroy();
    source.destroy();
    await Promise.allSettled([reading, writing]);
    await rm(file, { force: true });
    throw asArchiveError(error);
  }
  return { file, digest: blob.digest(), size: blob.bytes, diffId: diff.digest(), ...counts };
}
