// Answers to requests node:http refuses before fastify sees them (headers too large, request or headers
// timeout, malformed HTTP): the same coded JSON as every other error, written on the socket, which
// is then closed. Without this, fastify's default answer carries no WALT_ERR code.
import http from 'node:http';
import type { Socket } from 'node:net';
import type { WaltError } from '../../common/errors.js';
import { HttpHeadersTooLarge, HttpInvalidRequest, HttpRequestTimeout } from './errors.js';

/** The coded error for a node:http client error, undefined when there is no one left to answer. */
export function clientErrorOf(err: NodeJS.ErrnoException, maxHeaderBytes: number): WaltError | undefined {
  if (err.code === 'ECONNRESET' || err.code === 'EPIPE') return undefined;
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return HttpRequestTimeout();
  if (err.code === 'HPE_HEADER_OVERFLOW') return HttpHeadersTooLarge(maxHeaderBytes);
  return HttpInvalidRequest(`malformed HTTP (${err.code ?? 'parse error'})`, 'send an HTTP/1.1 request');
}

/** The raw HTTP answer carrying `error`, connection closed. */
export function rawAnswer(error: WaltError): string {
  const body = JSON.stringify({ error: error.code, message: error.message });
  return [
    `HTTP/1.1 ${error.statusCode} ${http.STATUS_CODES[error.statusCode] ?? 'Error'}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

/** fastify's clientErrorHandler: the coded answer if the socket still takes it, then the socket goes. */
export function clientErrorHandler(maxHeaderBytes: number) {
  return (err: NodeJS.ErrnoException, socket: Socket): void => {
    const coded = socket.destroyed ? undefined : clientErrorOf(err, maxHeaderBytes);
    if (coded && socket.writable) socket.end(rawAnswer(coded));
    // end() lets the answer go out first; destroySoon would wait for the client's side forever.
    setTimeout(() => socket.destroy(), 1000).unref();
  };
}
