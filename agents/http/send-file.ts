// Sends one file of a node's boot directory: resolved inside the image root filesystem, opened
// without following links, streamed whole or as one byte range, with validators from its stat.
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { FastifyReply } from 'fastify';
import { resolveInRoot } from './confine.js';
import { HttpBadRange, HttpFileNotFound, HttpRangeNotSatisfiable } from './errors.js';
import { contentRange, parseRange } from './range.js';
import { sendError } from './reply-error.js';

export interface BootFileRequest {
  rootfs: string;
  bootDir: string;
  /** Path relative to the boot directory, as the client asked for it (already URL-decoded). */
  file: string;
  nodeName: string;
  headers: { range?: string | undefined; 'if-range'?: string | undefined };
  /** HEAD: headers only. */
  headOnly: boolean;
}

const NOT_FOUND_CODES = new Set(['ENOENT', 'ENOTDIR', 'ELOOP', 'EISDIR']);

async function openInRoot(request: BootFileRequest): Promise<fs.FileHandle> {
  const relative = path.join(path.relative(request.rootfs, request.bootDir), request.file);
  try {
    const resolved = await resolveInRoot(request.rootfs, relative);
    return await fs.open(resolved, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW);
  } catch (err) {
    if (NOT_FOUND_CODES.has((err as NodeJS.ErrnoException).code ?? '')) {
      throw HttpFileNotFound(request.file, request.nodeName);
    }
    throw err;
  }
}

/** A strong validator: images are immutable once unpacked, so inode, size and mtime identify content. */
export function etagOf(stat: { ino: number; size: number; mtimeMs: number }): string {
  return `"${stat.ino.toString(16)}-${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
}

function rangeHeader(request: BootFileRequest, etag: string, lastModified: string): string | undefined {
  const ifRange = request.headers['if-range'];
  if (ifRange !== undefined && ifRange !== etag && ifRange !== lastModified) return undefined;
  return request.headers.range;
}

function sendBody(
  reply: FastifyReply,
  handle: fs.FileHandle,
  range: { start: number; end: number },
  headOnly: boolean,
): FastifyReply {
  const length = range.end - range.start + 1;
  reply.header('content-length', length);
  if (headOnly || length === 0) {
    void handle.close();
    return reply.send(headOnly ? undefined : Buffer.alloc(0));
  }
  // 1 MiB reads: kernels and initrds are tens of MB; 64 KiB chunks cost many more event-loop turns.
  return reply.send(
    handle.createReadStream({ start: range.start, end: range.end, autoClose: true, highWaterMark: 1 << 20 }),
  );
}

async function sendOpened(
  reply: FastifyReply,
  handle: fs.FileHandle,
  request: BootFileRequest,
): Promise<FastifyReply> {
  const stat = await handle.stat();
  if (!stat.isFile()) throw HttpFileNotFound(request.file, request.nodeName);
  const etag = etagOf(stat);
  const lastModified = stat.mtime.toUTCString();
  reply.header('accept-ranges', 'bytes').header('etag', etag).header('last-modified', lastModified);
  reply.type('application/octet-stream');
  const header = rangeHeader(request, etag, lastModified);
  const range = parseRange(header, stat.size);
  if (range.kind === 'invalid') throw HttpBadRange(header ?? '');
  if (range.kind === 'unsatisfiable') {
    reply.header('content-range', contentRange(undefined, stat.size));
    throw HttpRangeNotSatisfiable(header ?? '', stat.size);
  }
  if (range.kind === 'full')
    return sendBody(reply, handle, { start: 0, end: stat.size - 1 }, request.headOnly);
  reply.code(206).header('content-range', contentRange(range, stat.size));
  return sendBody(reply, handle, range, request.headOnly);
}

/** Answers `request` on `reply`: 200, 206, or a coded 4xx (404, 403 escape, 400 bad range, 416). */
export async function sendBootFile(reply: FastifyReply, request: BootFileRequest): Promise<FastifyReply> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await openInRoot(request);
    const sent = await sendOpened(reply, handle, request);
    handle = undefined; // sendBody owns it now
    return sent;
  } catch (err) {
    if (handle) await handle.close();
    return sendError(reply, err);
  }
}
