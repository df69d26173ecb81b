// A minimal ustar writer: one regular file per entry, enough to hand a ConfigMap's file to the agent's
// PUT /files (which extracts a tar). Pure: returns the archive bytes.

const BLOCK = 512;

export interface TarFile {
  /** Entry name (at most 100 bytes: a bare file name here). */
  name: string;
  content: Buffer;
  /** Permission bits (default 0o644). */
  mode?: number;
  /** Modification time in seconds since the epoch (default 0). */
  mtime?: number;
}

function writeString(header: Buffer, offset: number, length: number, value: string): void {
  const bytes = Buffer.from(value);
  if (bytes.length > length) throw new RangeError(`tar header field too long: ${value}`);
  bytes.copy(header, offset);
}

/** An octal field: digits padded with zeros, ending in NUL. */
function writeOctal(header: Buffer, offset: number, length: number, value: number): void {
  writeString(header, offset, length, value.toString(8).padStart(length - 1, '0') + '\0');
}

function headerOf(file: TarFile): Buffer {
  const header = Buffer.alloc(BLOCK);
  writeString(header, 0, 100, file.name);
  writeOctal(header, 100, 8, file.mode ?? 0o644);
  writeOctal(header, 108, 8, 0); // uid
  writeOctal(header, 116, 8, 0); // gid
  writeOctal(header, 124, 12, file.content.length);
  writeOctal(header, 136, 12, file.mtime ?? 0);
  header.fill(' ', 148, 156); // checksum counts as spaces while computing it
  header[156] = '0'.charCodeAt(0); // regular file
  writeString(header, 257, 6, 'ustar\0');
  writeString(header, 263, 2, '00');
  let sum = 0;
  for (const byte of header) sum += byte;
  writeString(header, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  return header;
}

function padding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

/** A tar archive of `files`, ended by the two zero blocks. */
export function buildTar(files: readonly TarFile[]): Buffer {
  const parts = files.flatMap((f) => [headerOf(f), f.content, padding(f.content.length)]);
  return Buffer.concat([...parts, Buffer.alloc(2 * BLOCK)]);
}
