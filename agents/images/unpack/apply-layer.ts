// applyLayer: one OCI layer (tar, tar+gzip, tar+zstd) applied onto a root filesystem that already holds
// the layers below it. Stream in, entries applied one at a time, nothing buffered beyond a chunk.
import { realpath } from 'node:fs/promises';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract as tarExtract } from 'tar-stream';
import type { Logger } from 'pino';
import { silentLogger } from '../../../common/logger.js';
import { isWaltError } from '../../../common/errors.js';
import { applyEntry } from './apply-entry.js';
import { createContext, type LayerEntry, type LayerStats } from './context.js';
import { createDecompressor } from './decompress.js';
import { UnpackBadArchive } from './errors.js';
import { LimitTracker, resolveLimits, type UnpackLimits } from './limits.js';
import { applyDirMeta } from './metadata.js';

export interface ApplyLayerOptions {
  /** The layer descriptor's media type; decides the decompression. */
  mediaType: string;
  limits?: Partial<UnpackLimits>;
  logger?: Logger;
}

/**
 * Applies one layer onto `rootDir`. Rejects with a WALT_ERR_UNPACK_* error when the layer is refused;
 * nothing is ever written outside `rootDir`, but `rootDir` is then left half-applied for the caller to
 * delete. Call it for each layer of an image in order, on the same `rootDir`.
 */
export async function applyLayer(
  rootDir: string,
  layer: NodeJS.ReadableStream | Readable,
  options: ApplyLayerOptions,
): Promise<LayerStats> {
  const decompressor = createDecompressor(options.mediaType);
  const limits = new LimitTracker(resolveLimits(options.limits));
  const ctx = createContext(await realpath(rootDir), limits, options.logger ?? silentLogger());
  const extract = tarExtract();
  const piping = pipeline(layer, decompressor, countStream(limits), extract).then(
    () => undefined,
    (error: unknown) => toError(error),
  );
  let last = '(start of archive)';
  try {
    for await (const entry of extract as unknown as AsyncIterable<LayerEntry>) {
      last = entry.header.name;
      await applyEntry(ctx, entry);
    }
    const failed = await piping;
    if (failed !== undefined) throw failed;
    applyDirMeta(ctx);
  } catch (error) {
    extract.destroy();
    await piping;
    throw asUnpackError(error, last);
  }
  ctx.logger.debug({ stats: ctx.stats }, 'layer applied');
  return ctx.stats;
}

/** Counts decompressed bytes so that endless padding after the last entry is refused too. */
function countStream(limits: LimitTracker): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback): void {
      try {
        limits.addStream(chunk.length);
        done(null, chunk);
      } catch (error) {
        done(error as Error);
      }
    },
  });
}

/**
 * Refusals pass through; file-system failures (ENOSPC, EACCES: they carry a syscall) are the host's
 * problem, not the image's, and pass through too; anything else came from gunzip, zstd or the tar parser.
 */
function asUnpackError(error: unknown, last: string): Error {
  if (isWaltError(error)) return error;
  if (error instanceof Error && 'syscall' in error) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return Object.assign(UnpackBadArchive(`after ${last}`, reason), { cause: error });
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
