// Media type → decompressing stage. gzip through node:zlib; zstd through fzstd (Node 20's zlib has none).
import { Transform, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Decompress } from 'fzstd';
import { UnpackUnsupportedMediaType } from './errors.js';

export type Compression = 'none' | 'gzip' | 'zstd';

const MEDIA_TYPES: Readonly<Record<string, Compression>> = {
  'application/vnd.oci.image.layer.v1.tar': 'none',
  'application/vnd.oci.image.layer.v1.tar+gzip': 'gzip',
  'application/vnd.oci.image.layer.v1.tar+zstd': 'zstd',
  'application/vnd.oci.image.layer.nondistributable.v1.tar': 'none',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip': 'gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd': 'zstd',
  'application/vnd.docker.image.rootfs.diff.tar': 'none',
  'application/vnd.docker.image.rootfs.diff.tar.gzip': 'gzip',
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip': 'gzip',
};

export function compressionOf(mediaType: string): Compression {
  const compression = MEDIA_TYPES[mediaType];
  if (compression === undefined) throw UnpackUnsupportedMediaType(mediaType);
  return compression;
}

/** A Transform that decompresses the given media type (a pass-through for plain tar). */
export function createDecompressor(mediaType: string): Transform {
  switch (compressionOf(mediaType)) {
    case 'gzip':
      return createGunzip({ chunkSize: 64 * 1024 });
    case 'zstd':
      return new ZstdDecompressor();
    case 'none':
      return new Transform({ transform: (chunk: Buffer, _encoding, done) => done(null, chunk) });
  }
}

class ZstdDecompressor extends Transform {
  private readonly zstd = new Decompress((data) => {
    // fzstd hands out a fresh array per block, so wrapping it without a copy is safe.
    if (data.length > 0) this.push(Buffer.from(data.buffer, data.byteOffset, data.length));
  });

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.run(() => this.zstd.push(chunk), done);
  }

  override _flush(done: TransformCallback): void {
    this.run(() => this.zstd.push(new Uint8Array(0), true), done);
  }

  private run(step: () => unknown, done: TransformCallback): void {
    try {
      step();
      done();
    } catch (error) {
      done(error as Error);
    }
  }
}
