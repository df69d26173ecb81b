// The file-system side of TFTP resolution: the real FsProbe and the opening of the resolved file. The
// file is opened without following a final symlink and must be a regular file, so what was checked by the
// confinement walk (paths.ts) is what is read.
import { constants } from 'node:fs';
import { lstat, open, readlink, type FileHandle } from 'node:fs/promises';
import type { Logger } from '../../common/logger.js';
import type { FileIdentity } from '../netboot/read-whole.js';
import { TftpFileNotFound } from './errors.js';
import { TFTP_ERROR } from './packet.js';
import {
  createBootPathResolver,
  isRefusal,
  refusal,
  type BootPathResolverOptions,
  type FileKind,
  type FsProbe,
  type TftpRefusal,
} from './paths.js';

export interface ResolvedFile {
  /** Open for reading; the server closes it when the transfer ends. */
  handle: FileHandle;
  size: number;
  path: string;
  /** Device, inode, size and mtime: what the packet cache keys on. */
  identity: FileIdentity;
}

export type TftpResolve = (filename: string, clientIp: string) => Promise<ResolvedFile | TftpRefusal>;

/** Where the Debian `ipxe` package installs undionly.kpxe, ipxe.efi, … */
export const DEBIAN_IPXE_DIR = '/usr/lib/ipxe';

export const nodeFsProbe: FsProbe = {
  async lstat(absolute: string): Promise<FileKind> {
    try {
      const stats = await lstat(absolute);
      if (stats.isSymbolicLink()) return 'symlink';
      if (stats.isDirectory()) return 'dir';
      return stats.isFile() ? 'file' : 'other';
    } catch {
      return 'missing';
    }
  },
  readlink: (absolute: string) => readlink(absolute),
};

/** Opens a regular file for a transfer, or a "not found" refusal. */
export async function openForTftp(filePath: string, filename: string): Promise<ResolvedFile | TftpRefusal> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(filePath, constants.O_RDONLY | constants.O_NOFOLLOW);
    const stats = await handle.stat();
    if (stats.isFile()) {
      const identity = { dev: stats.dev, ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs };
      return { handle, size: stats.size, path: filePath, identity };
    }
  } catch {
    // fall through: gone, or a symlink swapped in after the walk
  }
  await handle?.close();
  return refusal(TFTP_ERROR.FILE_NOT_FOUND, TftpFileNotFound(filename, 'the boot files'));
}

export interface FileResolverOptions extends Omit<BootPathResolverOptions, 'probe'> {
  probe?: FsProbe;
  logger?: Logger;
}

/** The `resolve` the agent gives createTftpServer: gate + confinement + open. */
export function createFileResolver(options: FileResolverOptions): TftpResolve {
  const resolvePath = createBootPathResolver({ ...options, probe: options.probe ?? nodeFsProbe });
  return async (filename, clientIp) => {
    const resolved = await resolvePath(filename, clientIp);
    if (isRefusal(resolved)) return resolved;
    options.logger?.debug(
      { filename, clientIp, path: resolved.path, source: resolved.source },
      'tftp file resolved',
    );
    return openForTftp(resolved.path, filename);
  };
}
