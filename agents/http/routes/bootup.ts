// Bootup notifications: a node that finished booting says so, and the agent records it (phase Ready,
// address, booted image, time) through the injected onBootup.
//   POST /api/v1/nodes/<name>/bootup  {"ip"?, "imageDigest"?, "bootId"?}  the node names itself;
//   POST /api/v1/bootup               {"name"?, "ip"?, "imageDigest"?}  WalT-style: the node at the
//                                     client's address.
// Only the node itself, from the address of its current DHCP lease, may notify (guards.ts, checked
// before the body is read); "name" and "ip", when given, must be its own. The address recorded is the
// lease address. (Before, a sender without a lease was let through: "we cannot tell" meant "accept".)
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WaltNode } from '../../../api/v1alpha1/index.js';
import { rfc3339 } from '../../../runtime/index.js';
import { decideBoot, imageRefOf } from '../../netboot/gate.js';
import { clientIp, type BootupEvent, type HttpContext } from '../context.js';
import { HttpBootupNotRecorded, HttpNotTheNode, HttpOtherSegment } from '../errors.js';
import { callingNode, nodeOfRequest, requireLeaseHolder, requireNode } from '../guards.js';
import { bootIdSchema, digestSchema, ipv4Schema, nodeNameSchema } from '../schemas.js';

interface BootupBody {
  name?: string;
  ip?: string;
  imageDigest?: string;
  /** Bytes the node read over NFS while booting (its root mount's counters). */
  nfsReadBytes?: number;
  /** The kernel's boot_id: tells this boot's command polls from the previous boot's. */
  bootId?: string;
}

/** A notification may come without body (no content type): validate it as `{}`. */
function emptyBodyAsObject(request: FastifyRequest, _reply: FastifyReply, done: () => void): void {
  request.body ??= {};
  done();
}

const bodySchema = {
  type: 'object',
  properties: {
    name: nodeNameSchema,
    ip: ipv4Schema,
    imageDigest: digestSchema,
    nfsReadBytes: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
    bootId: bootIdSchema,
  },
} as const;

function bootedImage(
  ctx: HttpContext,
  node: WaltNode,
  digest: string | undefined,
): { image: string; imageDigest: string | undefined } {
  const decision = decideBoot({ segment: ctx.segment, mac: node.spec.mac }, ctx.view);
  if (!decision.allow && decision.reason === 'OtherSegment') throw HttpOtherSegment(decision.message);
  if (decision.allow) {
    const { namespace, name } = decision.image;
    return { image: `${namespace}/${name}`, imageDigest: digest ?? decision.image.digest };
  }
  const ref = imageRefOf(node);
  return { image: `${ref.namespace}/${ref.name}`, imageDigest: digest };
}

async function record(
  ctx: HttpContext,
  node: WaltNode,
  request: FastifyRequest<{ Body: BootupBody | undefined }>,
  reply: FastifyReply,
): Promise<unknown> {
  const ip = clientIp(request.ip);
  const said = request.body ?? {};
  if (said.name !== undefined && said.name !== node.metadata.name)
    throw HttpNotTheNode(node.metadata.name, `the body names ${said.name}`);
  if (said.ip !== undefined && said.ip !== ip)
    throw HttpNotTheNode(node.metadata.name, `the body gives the address ${said.ip}, not ${ip}`);
  const name = node.metadata.name;
  const event = bootupEvent(ctx, node, ip, request.body);
  try {
    await ctx.onBootup(event);
  } catch (err) {
    request.log.warn({ err, node: name }, 'bootup not recorded');
    throw HttpBootupNotRecorded(name, err instanceof Error ? err.message : String(err));
  }
  request.log.info(
    { node: name, ip, image: event.image, segment: ctx.segment, nfsReadBytes: event.nfsReadBytes },
    'node booted',
  );
  reply.code(200);
  return {
    node: name,
    phase: 'Ready',
    ip,
    bootedImage: { name: event.image, digest: event.imageDigest },
    lastBootup: rfc3339(event.at),
  };
}

function bootupEvent(
  ctx: HttpContext,
  node: WaltNode,
  ip: string,
  body: BootupBody | undefined,
): BootupEvent {
  const booted = bootedImage(ctx, node, body?.imageDigest);
  const { nfsReadBytes, bootId } = body ?? {};
  return {
    node,
    ip,
    ...booted,
    at: new Date(),
    ...(nfsReadBytes === undefined ? {} : { nfsReadBytes }),
    ...(bootId === undefined ? {} : { bootId }),
  };
}

export function registerBootupRoutes(app: FastifyInstance, ctx: HttpContext): void {
  app.post<{ Params: { name: string }; Body: BootupBody | undefined }>(
    '/api/v1/nodes/:name/bootup',
    {
      onRequest: requireNode(ctx),
      bodyLimit: ctx.bodyLimit,
      preValidation: emptyBodyAsObject,
      schema: { params: { type: 'object', properties: { name: nodeNameSchema } }, body: bodySchema },
    },
    (request, reply) => record(ctx, nodeOfRequest(ctx, request), request, reply),
  );
  app.post<{ Body: BootupBody | undefined }>(
    '/api/v1/bootup',
    {
      onRequest: requireLeaseHolder(ctx),
      bodyLimit: ctx.bodyLimit,
      preValidation: emptyBodyAsObject,
      schema: { body: bodySchema },
    },
    (request, reply) => record(ctx, callingNode(ctx, request), request, reply),
  );
}
