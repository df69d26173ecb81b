// The controller and user side of the command channel (ADR 0008); these need the agent's bearer token,
// checked in onRequest (before any body is read):
//   POST /api/v1/nodes/<name>/exec            ExecRequest → ExecResult (waits for the command)
//   GET  /api/v1/nodes/<name>/exec/<id>       → ExecResult of command <id> (waits; attaches)
//   DELETE /api/v1/nodes/<name>/exec/<id>     cancels command <id> (ended on the node: TERM, then KILL)
//                                             → CancelAnswer, once the node said how it ended
//   PUT  /api/v1/nodes/<name>/files?path=<dir>   tar body, extracted into <dir> → FilesResult
//   GET  /api/v1/nodes/<name>/files?path=<path>  a tar of <path>, its last component as the top entry
// Both files routes take ?timeoutSeconds= (default 600) and ?connectTimeoutSeconds= (default 0).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { HttpContext } from '../http/context.js';
import { HttpUnknownNode } from '../http/errors.js';
import { limitBody, requireToken, streamedBody, waitsLong } from '../http/guards.js';
import { nodeNameSchema } from '../http/schemas.js';
import { bodyStream, MAX_TRANSFER_BYTES } from './body.js';
import type { CommandChannel } from './channel.js';
import { parseExecRequest, parseFilesQuery, type FilesQuery } from './requests.js';

/** Largest exec request body (the command and its arguments). */
export const MAX_EXEC_BODY_BYTES = 1024 * 1024;

interface NodeParams {
  name: string;
}
interface CommandParams extends NodeParams {
  id: string;
}

const nodeParams = { type: 'object', properties: { name: nodeNameSchema } } as const;
const commandParams = {
  type: 'object',
  properties: { name: nodeNameSchema, id: { type: 'string', pattern: '^[0-9a-zA-Z_-]{1,64}$' } },
} as const;

/** The WaltNode named in the URL must be known to this agent. */
function knownNode(ctx: HttpContext, request: FastifyRequest<{ Params: NodeParams }>): string {
  const node = ctx.view.nodeByName(request.params.name);
  if (!node) throw HttpUnknownNode(request.params.name);
  return node.metadata.name;
}

export function registerControlRoutes(
  scope: FastifyInstance,
  ctx: HttpContext,
  channel: CommandChannel,
): void {
  // The token first; then the answer may take longer than the idle timeout (the command runs).
  const onRequest = [requireToken(ctx), waitsLong];
  scope.post<{ Params: NodeParams; Body: unknown }>(
    '/api/v1/nodes/:name/exec',
    { onRequest, schema: { params: nodeParams }, bodyLimit: MAX_EXEC_BODY_BYTES },
    (request) => channel.exec(knownNode(ctx, request), parseExecRequest(request.body)),
  );
  scope.put<{ Params: NodeParams; Querystring: FilesQuery }>(
    '/api/v1/nodes/:name/files',
    {
      onRequest: [...onRequest, limitBody(MAX_TRANSFER_BYTES), streamedBody('application/x-tar')],
      schema: { params: nodeParams },
    },
    (request) => {
      const files = parseFilesQuery(request.query);
      return channel.putFiles(knownNode(ctx, request), files, bodyStream(request));
    },
  );
  scope.get<{ Params: NodeParams; Querystring: FilesQuery }>(
    '/api/v1/nodes/:name/files',
    { onRequest, schema: { params: nodeParams } },
    async (request, reply) => {
      const files = parseFilesQuery(request.query);
      const archive = await channel.getFiles(knownNode(ctx, request), files);
      reply.raw.once('close', () => void archive.release());
      return reply
        .code(200)
        .type('application/x-tar')
        .header('content-length', String(archive.bytes))
        .send(archive.stream);
    },
  );
}

/** Attaching to and cancelling a command by the id its exec gave (idempotency key). */
export function registerExecByIdRoutes(
  scope: FastifyInstance,
  ctx: HttpContext,
  channel: CommandChannel,
): void {
  const onRequest = requireToken(ctx);
  scope.get<{ Params: CommandParams }>(
    '/api/v1/nodes/:name/exec/:id',
    // An attach waits for the command, like its exec: past the idle timeout.
    { onRequest: [onRequest, waitsLong], schema: { params: commandParams } },
    (request) => channel.attach(knownNode(ctx, request), request.params.id),
  );
  scope.delete<{ Params: CommandParams }>(
    '/api/v1/nodes/:name/exec/:id',
    // A cancel of a running command waits for the node's report (the kill grace plus a slack).
    { onRequest: [onRequest, waitsLong], schema: { params: commandParams } },
    (request) => channel.cancel(knownNode(ctx, request), request.params.id),
  );
}
