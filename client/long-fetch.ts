// fetch for requests that may wait long for their answer: an exec waits for the command (up to its
// timeout, often more than 5 minutes), a file copy for tar on the node. Node's global fetch gives up
// after 300 s without response headers (undici's headersTimeout, not settable without the undici
// package), so these go through node:http, which waits as long as the caller's signal allows.
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';

function responseHeaders(res: http.IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}

function bodyOf(init: RequestInit): string | Buffer | undefined {
  const body = init.body;
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || Buffer.isBuffer(body)) return body;
  if (body instanceof Uint8Array) return Buffer.from(body);
  throw new TypeError('longFetch sends string or Buffer bodies only');
}

/** A subset of fetch (string/Buffer bodies, plain-object headers) without a response-headers timeout. */
export function longFetch(input: string | URL, init: RequestInit = {}): Promise<Response> {
  const url = new URL(String(input));
  const transport = url.protocol === 'https:' ? https : http;
  const body = bodyOf(init);
  return new Promise((resolve, reject) => {
    const request = transport.request(
      url,
      {
        method: init.method ?? 'GET',
        headers: (init.headers ?? {}) as Record<string, string>,
        ...(init.signal ? { signal: init.signal } : {}),
      },
      (res) => {
        const status = res.statusCode ?? 502;
        const stream = status === 204 || status === 304 ? null : (Readable.toWeb(res) as ReadableStream);
        resolve(new Response(stream, { status, headers: responseHeaders(res) }));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}
