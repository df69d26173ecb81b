// The node side of the command channel (ADR 0008), for walt-command-loop; only the node itself, from
// the address of its current DHCP lease, may call these (guards.ts, checked in onRequest: a refused
// caller's body is never read; an announced body over the limit is refused before it is read too):
//   GET  /api/v1/nodes/<name>/commands/next?wait=<s>[&boot=<boot id>]
//                                                        204, or 200 "<id>\n<sh script>" (long poll),
//                                                        or 200 "cancel:<id>\n": kill command <id>
//   POST /api/v1/nodes/<name>/commands/<id>/result?exit=<code>[&timedOut=1][&killed=1][&cancelled=1]
//        [&size=<bytes>]  body: output (killed: KILL was sent after TERM; cancelled: informative, the
//        agent knows which commands it cancelled)
//   GET  /api/v1/nodes/<name>/transfers/<id>            a tar archive to extract (toNode)
//   POST /api/v1/nodes/<name>/transfers/<id>            a tar archive the agent asked for (fromNode)
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { COMMAND_POLL_WAIT_SECONDS } from '../../api/agent/v1.js';
import type { HttpContext } from '../http/context.js';
import { limitBody, nodeOfRequest, requireNode, streamedBody } from '../http/guards.js';
import { bootIdSchema, nodeNameSchema } from '../http/schemas.js';
import { bodyStream, MAX_TRANSFER_BYTES, readInto } from './body.js';
import type { CommandQueue } from './command-queue.js';
import type { NodeResult } from './channel.js';
import { BadCommand, CommandUnknown } from './errors.js';
import { OutputTail } from './output.js';
import type { TransferStore } from './transfers.js';

const MAX_POLL_WAIT_SECONDS = 55;

interface NodeParams {
  name: string;
}
interface IdParams extends NodeParams {
  id: string;
}
interface PollQuery {
  wait?: string;
  /** The kernel's boot_id of the polling node. */
  boot?: string;
}
interface ResultQuery {
  exit?: string;
  timedOut?: string;
  killed?: string;
  size?: string;
}

const idSchema = { type: 'string', pattern: '^[0-9a-zA-Z_-]{1,64}$' } as const;
const nodeParams = { type: 'object', properties: { name: nodeNameSchema } } as const;
const pollQuery = { type: 'object', properties: { wait: { type: 'string' }, boot: bootIdSchema } } as const;
const idParams = { type: 'object', properties: { name: nodeNameSchema, id: idSchema } } as const;

export interface NodeRouteDeps {
  queue: CommandQueue<NodeResult>;
  transfers: TransferStore;
}

function pollWaitMs(wait: unknown): number {
  if (wait === undefined) return COMMAND_POLL_WAIT_SECONDS * 1000;
  const seconds = Number(wait);
  if (!Number.isFinite(seconds) || seconds < 0) throw BadCommand('?wait= must be a number of seconds');
  return Math.min(seconds, MAX_POLL_WAIT_SECONDS) * 1000;
}

const isSet = (flag: string | undefined): boolean => flag === '1' || flag === 'true';

interface ExitOf {
  exitCode: number;
  timedOut: boolean;
  killed: boolean;
  size: number | undefined;
}

function exitOf(query: ResultQuery): ExitOf {
  const exitCode = Number(query.exit);
  if (query.exit === undefined || !Number.isInteger(exitCode) || exitCode < 0 || exitCode > 255) {
    throw BadCommand('?exit= must be the exit status of the command, 0 to 255');
  }
  const size = query.size === undefined ? undefined : Number(query.size);
  if (size !== undefined && (!Number.isSafeInteger(size) || size < 0))
    throw BadCommand('?size= must be a byte count');
  return { exitCode, timedOut: isSet(query.timedOut), killed: isSet(query.killed), size };
}

async function nextCommand(
  deps: NodeRouteDeps,
  ctx: HttpContext,
  request: FastifyRequest<{ Params: NodeParams; Querystring: PollQuery }>,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const node = nodeOfRequest(ctx, request).metadata.name;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), pollWaitMs(request.query.wait));
  const onClose = (): void => controller.abort();
  reply.raw.on('close', onClose);
  try {
    const dispatch = await deps.queue.poll(node, controller.signal, request.query.boot);
    if (!dispatch) return reply.code(204).send();
    const text = 'cancel' in dispatch ? `cancel:${dispatch.id}\n` : `${dispatch.id}\n${dispatch.script}`;
    request.log.debug({ node, command: dispatch.id, cancel: 'cancel' in dispatch }, 'sent to the node');
    return reply.code(200).type('text/plain; charset=utf-8').send(text);
  } finally {
    clearTimeout(timer);
    reply.raw.off('close', onClose);
  }
}

async function commandResult(
  deps: NodeRouteDeps,
  ctx: HttpContext,
  request: FastifyRequest<{ Params: IdParams; Querystring: ResultQuery }>,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const node = nodeOfRequest(ctx, request).metadata.name;
  const { exitCode, timedOut, killed, size } = exitOf(request.query);
  const tail = new OutputTail();
  await readInto(bodyStream(request), tail);
  const result: NodeResult = { exitCode, timedOut, ...(killed ? { killed } : {}), output: tail.result(size) };
  if (!deps.queue.complete(node, request.params.id, result)) throw CommandUnknown(node, request.params.id);
  return reply.code(204).send();
}

export function registerNodeRoutes(scope: FastifyInstance, ctx: HttpContext, deps: NodeRouteDeps): void {
  // The node first, then the announced size, then the media type (a streamed body, never JSON).
  const streamedNodeBody = [
    requireNode(ctx),
    limitBody(MAX_TRANSFER_BYTES),
    streamedBody('application/octet-stream'),
  ];
  scope.get<{ Params: NodeParams; Querystring: PollQuery }>(
    '/api/v1/nodes/:name/commands/next',
    { onRequest: requireNode(ctx), schema: { params: nodeParams, querystring: pollQuery } },
    (request, reply) => nextCommand(deps, ctx, request, reply),
  );
  scope.post<{ Params: IdParams; Querystring: ResultQuery }>(
    '/api/v1/nodes/:name/commands/:id/result',
    { onRequest: streamedNodeBody, schema: { params: idParams } },
    (request, reply) => commandResult(deps, ctx, request, reply),
  );
  scope.get<{ Params: IdParams }>(
    '/api/v1/nodes/:name/transfers/:id',
    { onRequest: requireNode(ctx), schema: { params: idParams } },
    (request, reply) => {
      const node = nodeOfRequest(ctx, request).metadata.name;
      const transfer = deps.transfers.get(node, request.params.id, 'toNode');
      const stream = deps.transfers.read(transfer);
      return reply
        .code(200)
        .type('application/x-tar')
        .header('content-length', String(transfer.bytes))
        .send(stream);
    },
  );
  scope.post<{ Params: IdParams }>(
    '/api/v1/nodes/:name/transfers/:id',
    { onRequest: streamedNodeBody, schema: { params: idParams } },
    async (request, reply) => {
      const node = nodeOfRequest(ctx, request).metadata.name;
      const transfer = deps.transfers.get(node, request.params.id, 'fromNode');
      await deps.transfers.write(transfer, bodyStream(request));
      return reply.code(204).send();
    },
  );
}
