// Reads a whole open file into one buffer, for the boot-file caches of the HTTP and TFTP services.
import type { FileHandle } from 'node:fs/promises';

/** What identifies the content of an unpacked image file: images are immutable once unpacked. */
export interface FileIdentity {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
}

export function identityKey(identity: FileIdentity): string {
  return `${identity.dev}:${identity.ino}:${identity.size}:${identity.mtimeMs}`;
}

/** Reads all `size` bytes of `handle`; fails if the file is shorter (it changed since its stat). */
export async function readWhole(handle: FileHandle, size: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafeSlow(size);
  let offset = 0;
  while (offset < size) {
    const { bytesRead } = await handle.read(buffer, offset, size - offset, offset);
    if (bytesRead === 0) throw new Error(`the file shrank while being read (${offset} of ${size} bytes)`);
    offset += bytesRead;
  }
  return buffer;
}
