// Who may call a route (ADR 0008). Controllers and users show the agent's bearer token; nodes are
// recognised by their source address, which must be the address of their own DHCP lease (as WalT
// trusts the walt-net address of a node). Both are fastify preHandlers that throw coded errors.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { WaltNode } from '../../api/v1alpha1/index.js';
import { defineError } from '../../common/errors.js';
import { normaliseMac } from '../netboot/gate.js';
import { clientIp, type HttpContext } from './context.js';
import { HttpUnknownNode } from './errors.js';

export const HttpUnauthorized = defineError(
  'WALT_ERR_HTTP_UNAUTHORIZED',
  () =>
    'this route needs "Authorization: Bearer <token>": read key "token" of the Secret named by the segment\'s status.agent.tokenSecret',
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
    `only node ${node} may call this route, from the address of its DHCP lease (the request came from ${sender})`,
  403,
);

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** preHandler: the request carries the agent's bearer token. */
export function requireToken(ctx: HttpContext) {
  return (request: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void): void => {
    try {
      checkToken(ctx, request);
      done();
    } catch (err) {
      done(err as Error);
    }
  };
}

function checkToken(ctx: HttpContext, request: FastifyRequest): void {
  const expected = ctx.apiToken();
  if (expected === undefined) throw HttpTokenNotReady();
  const header = request.headers.authorization ?? '';
  const given = header.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : '';
  if (!given || !sameSecret(given, expected)) throw HttpUnauthorized();
}

/**
 * The WaltNode named by `:name` in the URL, when the request comes from that node's leased address.
 * Throws 404 for an unknown node and 403 for anyone else.
 */
export function nodeOfRequest(
  ctx: HttpContext,
  request: FastifyRequest<{ Params: { name: string } }>,
): WaltNode {
  const node = ctx.view.nodeByName(request.params.name);
  if (!node) throw HttpUnknownNode(request.params.name);
  const sender = clientIp(request.ip);
  const mac = ctx.macOfIp(sender);
  if (mac === undefined || normaliseMac(mac) !== normaliseMac(node.spec.mac)) {
    throw HttpNotFromNode(node.metadata.name, sender);
  }
  return node;
}

/** preHandler form of nodeOfRequest, for routes that only need the check. */
export function requireNode(ctx: HttpContext) {
  return (
    request: FastifyRequest<{ Params: { name: string } }>,
    _reply: FastifyReply,
    done: (err?: Error) => void,
  ): void => {
    try {
      nodeOfRequest(ctx, request);
      done();
    } catch (err) {
      done(err as Error);
    }
  };
}
