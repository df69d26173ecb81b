// Who may call a route (ADR 0008), decided in `onRequest`: before fastify reads a byte of the body, so
// a refused caller's body is never read (the answer closes the connection, reply-error.ts).
// - Controllers and users show the agent's bearer token (requireToken).
// - Nodes are recognised by their source address, which must be the address of their own current,
//   unexpired DHCP lease in this agent's lease table (requireNode, requireLeaseHolder), as WalT trusts
//   the walt-net address of a node. A device without a lease is nobody. What remains spoofable on a
//   LAN is in docs/boot.md ("Who is a node").
// - Bodies larger than the route takes are refused from their Content-Length (limitBody), and routes
//   that stream their body refuse the media types fastify would buffer (streamedBody).
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { WaltNode } from '../../api/v1alpha1/index.js';
import { defineError } from '../../common/errors.js';
import { normaliseMac } from '../netboot/gate.js';
import { clientIp, type HttpContext } from './context.js';
import { HttpBodyTooLarge, HttpInvalidRequest, HttpUnknownNode, HttpUnsupportedMediaType } from './errors.js';
import { NODE_NAME_PATTERN } from './schemas.js';

export const HttpUnauthorized = defineError(
  'WALT_ERR_HTTP_UNAUTHORIZED',
  () =>
    'this route needs "Authorization: Bearer <token>": read key "token" of Secret walt-agent-<segment> in the agent\'s namespace (walt-system)',
  401,
);

export const HttpTokenNotReady = defineError(
  'WALT_ERR_HTTP_TOKEN_NOT_READY',
  () => 'the agent has no API token yet (its Secret is being created): retry in a few seconds',
  503,
);

export const HttpNotFromNode = defineError(
  'WALT_ERR_HTTP_NOT_FROM_NODE',
  (node: string, sender: string) =>
    `only ${node} may call this route, from the address of its current DHCP lease on this segment (the request came from ${sender}, which holds none of it): call it from the node`,
  403,
);

type Done = (err?: Error) => void;
type Hook<R extends FastifyRequest = FastifyRequest> = (request: R, reply: FastifyReply, done: Done) => void;

function hook<R extends FastifyRequest>(check: (request: R) => void): Hook<R> {
  return (request, _reply, done) => {
    try {
      check(request);
      done();
    } catch (err) {
      done(err as Error);
    }
  };
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function checkToken(ctx: HttpContext, request: FastifyRequest): void {
  const expected = ctx.apiToken();
  if (expected === undefined) throw HttpTokenNotReady();
  const header = request.headers.authorization ?? '';
  const given = header.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : '';
  if (!given || !sameSecret(given, expected)) throw HttpUnauthorized();
}

/** onRequest: the request carries the agent's bearer token. */
export function requireToken(ctx: HttpContext): Hook {
  return hook((request) => checkToken(ctx, request));
}

const NODE_NAME = new RegExp(NODE_NAME_PATTERN);

/** The WaltNode holding the current lease of the request's source address, if any. */
export function leaseHolderOf(ctx: HttpContext, request: FastifyRequest): WaltNode | undefined {
  const mac = ctx.macOfIp(clientIp(request.ip));
  return mac === undefined ? undefined : ctx.view.nodeByMac(normaliseMac(mac));
}

/**
 * The WaltNode named by `:name` in the URL, when the request comes from that node's leased address.
 * Throws 400 for a malformed name, 404 for an unknown node and 403 for anyone else.
 */
export function nodeOfRequest(
  ctx: HttpContext,
  request: FastifyRequest<{ Params: { name: string } }>,
): WaltNode {
  const name = String(request.params.name);
  if (name.length > 63 || !NODE_NAME.test(name))
    throw HttpInvalidRequest(`node name ${JSON.stringify(name.slice(0, 64))}`, 'give a WaltNode name');
  const node = ctx.view.nodeByName(name);
  if (!node) throw HttpUnknownNode(name);
  const holder = leaseHolderOf(ctx, request);
  if (holder?.metadata.name !== node.metadata.name)
    throw HttpNotFromNode(`node ${name}`, clientIp(request.ip));
  return node;
}

/** onRequest: the node named in the URL calls, from its lease address. */
export function requireNode(ctx: HttpContext): Hook<FastifyRequest<{ Params: { name: string } }>> {
  return hook((request) => nodeOfRequest(ctx, request));
}

/** The node at the request's source address (its current lease), or 403 WALT_ERR_HTTP_NOT_FROM_NODE. */
export function callingNode(ctx: HttpContext, request: FastifyRequest): WaltNode {
  const node = leaseHolderOf(ctx, request);
  if (!node) throw HttpNotFromNode('a WaltNode', clientIp(request.ip));
  return node;
}

/** onRequest: some node calls, from its lease address (routes that do not name the node in the URL). */
export function requireLeaseHolder(ctx: HttpContext): Hook {
  return hook((request) => callingNode(ctx, request));
}

function declaredLength(request: FastifyRequest): number | undefined {
  const header = request.headers['content-length'];
  if (header === undefined) return undefined;
  const length = Number(header);
  return Number.isSafeInteger(length) && length >= 0 ? length : Number.POSITIVE_INFINITY;
}

/**
 * onRequest: a body announced larger than `maxBytes` is refused (413) before it is read. fastify's
 * buffering parsers check the same again; streamed bodies are also counted as they arrive.
 */
export function limitBody(maxBytes: number): Hook {
  return hook((request) => {
    const length = declaredLength(request);
    if (length !== undefined && length > maxBytes) throw HttpBodyTooLarge(maxBytes);
  });
}

/**
 * onRequest, after the token: this route may keep its caller waiting for longer than the connection
 * idle timeout (an exec waits for its command, up to 24 h; a file copy for tar on the node). The idle
 * timeout is lifted for this request only: node:http restores it for the next request on the
 * connection, and the keep-alive timeout still applies between requests.
 */
export const waitsLong: Hook = hook((request) => {
  request.raw.socket?.setTimeout(0);
});

const BODYLESS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS']);

/**
 * onRequest of every route: GET, HEAD, DELETE and OPTIONS take no body. fastify would not read one,
 * but node:http would read and discard it to keep the connection alive: a 256 MiB GET costs as much
 * as a 256 MiB upload. 400, and the connection is closed (reply-error.ts).
 */
export const refuseBodyOnReads: Hook = hook((request) => {
  if (!BODYLESS.has(request.method)) return;
  const length = declaredLength(request);
  const chunked = request.headers['transfer-encoding'] !== undefined;
  if (chunked || (length !== undefined && length > 0))
    throw HttpInvalidRequest(
      `a ${request.method} request with a body`,
      `send ${request.method} without a body`,
    );
});

/** Media types fastify parses by buffering the whole body (JSON), refused by streamed routes. */
const BUFFERED = /^application\/(.+\+)?json\b/i;

/** onRequest: a streamed route takes its body as bytes, never as JSON held in memory. */
export function streamedBody(wanted: string): Hook {
  return hook((request) => {
    const type = request.headers['content-type'] ?? '';
    if (BUFFERED.test(type)) throw HttpUnsupportedMediaType(type, wanted);
  });
}
