// Sends one file of a node's boot directory: the request confined to that directory, resolved inside
// the image root filesystem (links may lead elsewhere in the image, never out of it), opened
// without following links, sent whole or as one byte range, with validators from its stat. Bodies go
// straight to the response (not through fastify's stream handling): from the in-memory cache of hot
// files (file-cache.ts) when the file fits, else read chunk by chunk into a reused buffer (pump.ts).
import { constants as fsConstants, type Stats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { FastifyReply } from 'fastify';
import { confineToBootDir, resolveInRoot } from './confine.js';
import { HttpBadRange, HttpFileNotFound, HttpRangeNotSatisfiable } from './errors.js';
import type { FileCache } from './file-cache.js';
import { pump } from './pump.js';
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
  const inBootDir = confineToBootDir(request.file);
  const relative = path.join(path.relative(request.rootfs, request.bootDir), inBootDir);
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

interface OpenedFile {
  handle: fs.FileHandle;
  stat: Stats;
  cache: FileCache | undefined;
}

/** Inclusive byte range of a file. */
interface ByteRange {
  start: number;
  end: number;
}

function sendBody(
  reply: FastifyReply,
  opened: OpenedFile,
  range: ByteRange,
  headOnly: boolean,
): FastifyReply | Promise<FastifyReply> {
  const length = range.end - range.start + 1;
  reply.header('content-length', length);
  if (headOnly || length === 0) return reply.send(headOnly ? undefined : Buffer.alloc(0));
  return sendRaw(reply, opened, range);
}

/** Takes the response over from fastify, with the status and headers set on `reply` so far. */
function hijack(reply: FastifyReply): FastifyReply['raw'] {
  reply.hijack();
  const res = reply.raw;
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined) res.setHeader(name, value);
  }
  res.writeHead(reply.statusCode);
  return res;
}

/**
 * The body: from the cache in one write, or read chunk by chunk into a reused buffer. A read stream
 * piped by fastify allocated a new megabyte per chunk, and that allocation and its garbage collection
 * cost more than the copies themselves (boot storm: 1.1 s user + 2.5 s system for 4 GB, against
 * 0.3 + 1.2 now). Fastify's onResponse hooks (metrics) still run when the response finishes.
 */
async function sendRaw(reply: FastifyReply, opened: OpenedFile, range: ByteRange): Promise<FastifyReply> {
  // Read before the headers go out: a failure here is still an error answer.
  const whole = await opened.cache?.content(opened.handle, opened.stat);
  const res = hijack(reply);
  if (whole) {
    res.end(whole.subarray(range.start, range.end + 1));
    return reply;
  }
  try {
    await pump(res, opened.handle, range);
    res.end();
  } catch (err) {
    // The status line is gone: all that is left is to cut the connection (the client sees a short body).
    if (!res.destroyed) reply.log.warn({ err }, 'boot file transfer failed');
    res.destroy();
  }
  return reply;
}

async function sendOpened(
  reply: FastifyReply,
  opened: OpenedFile,
  request: BootFileRequest,
): Promise<FastifyReply> {
  const { stat } = opened;
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
    return sendBody(reply, opened, { start: 0, end: stat.size - 1 }, request.headOnly);
  reply.code(206).header('content-range', contentRange(range, stat.size));
  return sendBody(reply, opened, range, request.headOnly);
}

/** Answers `request` on `reply`: 200, 206, or a coded 4xx (404, 403 escape, 400 bad range, 416). */
export async function sendBootFile(
  reply: FastifyReply,
  request: BootFileRequest,
  cache?: FileCache,
): Promise<FastifyReply> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await openInRoot(request);
    return await sendOpened(reply, { handle, stat: await handle.stat(), cache }, request);
  } catch (err) {
    return sendError(reply, err);
  } finally {
    // Once the answer is sent: a streamed body has been read by then, a cached one is in memory.
    await handle?.close();
  }
}
