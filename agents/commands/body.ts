// Request bodies of the command routes: streams, never buffered by fastify (results and archives may
// be large). Registered in the command routes' own fastify scope, so other routes keep their parsers.
import { Readable, Transform } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { TransferTooLarge } from './errors.js';
import type { OutputTail } from './output.js';

/** Largest result or archive body (MiB). */
export const MAX_TRANSFER_BYTES = 256 * 1024 * 1024;

/**
 * Any content type but JSON (kept by fastify's own parser, for the exec request) arrives as the raw
 * request stream; text too (fastify would buffer it whole). Streamed routes refuse JSON
 * (guards.ts streamedBody), so no route of this scope holds a large body in memory.
 */
export function addStreamParser(scope: FastifyInstance): void {
  scope.removeContentTypeParser('text/plain');
  scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
}

/** Set by nodes whose HTTP client cannot post binary bodies (busybox wget): the body is base64. */
export const BODY_ENCODING_HEADER = 'x-walt-body-encoding';

/** Decodes base64 as it streams, ignoring line breaks. */
export function base64Decoder(): Transform {
  let rest = '';
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const text = rest + chunk.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, '');
      const whole = text.length - (text.length % 4);
      rest = text.slice(whole);
      done(null, Buffer.from(text.slice(0, whole), 'base64'));
    },
    flush(done) {
      done(null, rest ? Buffer.from(rest, 'base64') : undefined);
    },
  });
}

/** The request body as a stream of its bytes (an empty one when there was no body). */
export function bodyStream(request: FastifyRequest): Readable {
  const body = request.body;
  if (!(body instanceof Readable)) return Readable.from([]);
  if (request.headers[BODY_ENCODING_HEADER] !== 'base64') return body;
  const decoded = base64Decoder();
  body.on('error', (err) => decoded.destroy(err));
  return body.pipe(decoded);
}

/** Feeds the body into `tail`, failing past `maxBytes`. */
export async function readInto(
  body: Readable,
  tail: OutputTail,
  maxBytes = MAX_TRANSFER_BYTES,
): Promise<void> {
  for await (const chunk of body) {
    tail.push(chunk as Buffer);
    if (tail.receivedBytes > maxBytes) {
      body.destroy();
      throw TransferTooLarge(maxBytes);
    }
  }
}
