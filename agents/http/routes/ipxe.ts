// GET /ipxe/boot.ipxe?mac=${net0/mac}: the iPXE script of the asking machine (by its MAC, or by the
// DHCP lease of its address): boot its image, or — when the gate says no — say why and ask again.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { decideBoot, normaliseMac, type BootTarget } from '../../netboot/gate.js';
import { readBootFiles } from '../boot-files.js';
import { clientIp, type HttpContext } from '../context.js';
import { isWaltError } from '../../../common/errors.js';
import { HttpNoBootFiles, HttpNoMac } from '../errors.js';
import { bootScript, retryScript } from '../ipxe-script.js';
import { discoveryScript } from '../discovery-script.js';
import { macSchema } from '../schemas.js';

interface IpxeQuery {
  mac?: string;
}

export const IPXE_ROUTE = '/ipxe/boot.ipxe';

function scriptUrl(ctx: HttpContext, mac: string): string {
  return `${ctx.httpBase}${IPXE_ROUTE}?mac=${mac}`;
}

async function allowedScript(ctx: HttpContext, target: BootTarget, retryUrl: string): Promise<string> {
  const files = await readBootFiles(target);
  const image = `${target.image.namespace}/${target.image.name}`;
  if (!files) {
    const err = HttpNoBootFiles(image, `/boot/${target.model}/`);
    return retryScript({
      reason: 'NoBootFiles',
      message: err.message,
      retryUrl,
      delaySeconds: ctx.retryDelaySeconds,
    });
  }
  return bootScript({
    server: ctx.serverAddress,
    httpBase: ctx.httpBase,
    nodeName: target.node.metadata.name,
    model: target.model,
    exportPath: ctx.exportPathOf(target),
    files,
    extraArgs: ctx.extraKernelArgs(target),
    retryUrl,
    retryDelaySeconds: ctx.retryDelaySeconds,
  });
}

/**
 * An unknown machine on a segment that registers unknown nodes is an x86 PC that has not said its
 * model yet (DHCP hands this URL to unknown iPXE only then, agents/dhcp/boot-options.ts offersDiscovery).
 */
function discovers(ctx: HttpContext, decision: ReturnType<typeof decideBoot>): boolean {
  return (
    !decision.allow &&
    decision.reason === 'UnknownNode' &&
    ctx.view.segment(ctx.segment)?.spec.autoRegister === true
  );
}

async function handle(
  ctx: HttpContext,
  request: FastifyRequest<{ Querystring: IpxeQuery }>,
  reply: FastifyReply,
): Promise<string> {
  const ip = clientIp(request.ip);
  const asked = request.query.mac ?? ctx.macOfIp(ip);
  if (asked === undefined) throw HttpNoMac(ip);
  const mac = normaliseMac(asked);
  const decision = decideBoot({ segment: ctx.segment, mac }, ctx.view);
  const log = request.log.child({ mac, segment: ctx.segment });
  const retryUrl = scriptUrl(ctx, mac);
  reply.type('text/plain; charset=utf-8');
  if (discovers(ctx, decision)) {
    log.info('discovery script');
    return discoveryScript({ retryUrl, delaySeconds: ctx.retryDelaySeconds });
  }
  if (!decision.allow) {
    log.info({ reason: decision.reason }, 'boot denied: %s', decision.message);
    return retryScript({
      reason: decision.reason,
      message: decision.message,
      retryUrl,
      delaySeconds: ctx.retryDelaySeconds,
    });
  }
  log.info({ node: decision.node.metadata.name, image: decision.image.name }, 'boot script');
  try {
    return await allowedScript(ctx, decision, retryUrl);
  } catch (err) {
    // iPXE shows no HTTP error body: a node whose image or settings cannot make a script is told why
    // on its console and keeps asking, like a denied one.
    if (!isWaltError(err)) throw err;
    log.warn({ code: err.code }, 'no boot script: %s', err.message);
    return retryScript({
      reason: err.code,
      message: err.message,
      retryUrl,
      delaySeconds: ctx.retryDelaySeconds,
    });
  }
}

export function registerIpxeRoute(app: FastifyInstance, ctx: HttpContext): void {
  app.get<{ Querystring: IpxeQuery }>(
    IPXE_ROUTE,
    { schema: { querystring: { type: 'object', properties: { mac: macSchema } } } },
    (request, reply) => handle(ctx, request, reply),
  );
}
