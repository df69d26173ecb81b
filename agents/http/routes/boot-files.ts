// Boot files over HTTP, from the node's image /boot/<model>/ directory:
//   GET /boot/<node>/<path>        the named node's files (what our iPXE scripts fetch);
//   GET /boot/<path>?node_ip=<ip>  WalT-compatible: the node is the one at node_ip, or at the client's
//                                  address (its DHCP lease). A first segment that is not a node name
//                                  is part of such a path (e.g. /boot/QEMU/…/boot-params.ipxe).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WaltNode } from '../../../api/v1alpha1/index.js';
import { decideBoot } from '../../netboot/gate.js';
import { clientIp, nodeAtIp, type HttpContext } from '../context.js';
import { HttpBootDenied, HttpOtherSegment, HttpUnknownNode } from '../errors.js';
import { sendError } from '../reply-error.js';
import { filePathSchema, ipv4Schema } from '../schemas.js';
import { sendBootFile } from '../send-file.js';

interface BootQuery {
  node_ip?: string;
}
interface NamedParams {
  node: string;
  '*': string;
}

const querystring = { type: 'object', properties: { node_ip: ipv4Schema } } as const;

async function serveNodeFile(
  ctx: HttpContext,
  { node, file }: { node: WaltNode; file: string },
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const decision = decideBoot({ segment: ctx.segment, mac: node.spec.mac }, ctx.view);
  const name = node.metadata.name;
  if (!decision.allow) {
    if (decision.reason === 'UnknownNode') return sendError(reply, HttpUnknownNode(name));
    if (decision.reason === 'OtherSegment') return sendError(reply, HttpOtherSegment(decision.message));
    return sendError(reply, HttpBootDenied(name, decision.reason, decision.message));
  }
  const headers = request.headers as { range?: string; 'if-range'?: string };
  return sendBootFile(
    reply,
    {
      rootfs: decision.rootfs,
      bootDir: decision.bootDir,
      file,
      nodeName: name,
      headers: { range: headers.range, 'if-range': headers['if-range'] },
      headOnly: request.method === 'HEAD',
    },
    ctx.files,
  );
}

function serveByAddress(
  ctx: HttpContext,
  file: string,
  request: FastifyRequest<{ Querystring: BootQuery }>,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const ip = request.query.node_ip ?? clientIp(request.ip);
  const node = nodeAtIp(ctx, ip);
  if (!node)
    throw HttpUnknownNode(`at ${ip} (no DHCP lease of a WaltNode; name the node: /boot/<node>/${file})`);
  return serveNodeFile(ctx, { node, file }, request, reply);
}

export function registerBootFileRoutes(app: FastifyInstance, ctx: HttpContext): void {
  app.route<{ Params: NamedParams; Querystring: BootQuery }>({
    method: ['GET', 'HEAD'],
    url: '/boot/:node/*',
    schema: {
      params: { type: 'object', properties: { node: filePathSchema, '*': filePathSchema } },
      querystring,
    },
    handler: (request, reply) => {
      const named =
        request.query.node_ip === undefined ? ctx.view.nodeByName(request.params.node) : undefined;
      if (named) return serveNodeFile(ctx, { node: named, file: request.params['*'] }, request, reply);
      return serveByAddress(ctx, `${request.params.node}/${request.params['*']}`, request, reply);
    },
  });
  app.route<{ Params: { '*': string }; Querystring: BootQuery }>({
    method: ['GET', 'HEAD'],
    url: '/boot/*',
    schema: { params: { type: 'object', properties: { '*': filePathSchema } }, querystring },
    handler: (request, reply) => serveByAddress(ctx, request.params['*'], request, reply),
  });
}
