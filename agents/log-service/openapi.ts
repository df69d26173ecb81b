// An OpenAPI 3.0 description of every route of the agent API (api/agent/v1.ts AGENT_PATHS), built from
// the JSON schemas the log routes validate with; the node command and file routes, served by other
// modules, are described from the contract's types.
import { AGENT_PATHS, COMMAND_POLL_WAIT_SECONDS } from '../../api/agent/v1.js';
import { bootIdSchema } from '../http/schemas.js';
import * as s from './schemas.js';

type Schema = Record<string, unknown>;
type Operation = Record<string, unknown>;

interface ObjectSchema {
  properties?: Readonly<Record<string, unknown>>;
  required?: readonly string[];
}

/** A querystring (or path) object schema → OpenAPI parameters. */
export function parametersOf(schema: ObjectSchema, where: 'query' | 'path'): object[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).map(([name, prop]) => {
    const { description, ...rest } = prop as Schema;
    return {
      name,
      in: where,
      required: where === 'path' || required.has(name),
      schema: rest,
      ...(description === undefined ? {} : { description }),
    };
  });
}

const json = (schema: object): object => ({ 'application/json': { schema } });
const ok = (description: string, schema?: object, type = 'application/json'): object => ({
  description,
  ...(schema ? { content: { [type]: { schema } } } : {}),
});
const errors = {
  '4XX': {
    description:
      'Client error: { error: WALT_ERR_…, message }. 429 (public reads without the token): too many ' +
      'requests from this address (Retry-After) or too many reads or follows under way.',
    content: json(s.errorSchema),
  },
  '5XX': { description: 'Agent error (503: retry later)', content: json(s.errorSchema) },
};
const token = [{ bearerAuth: [] }];
const nodeParam = { name: 'node', in: 'path', required: true, schema: s.nodeParamsSchema.properties.name };
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
const textPlain = { 'text/plain': { schema: { type: 'string' } } };
const tar = { 'application/x-tar': { schema: { type: 'string', format: 'binary' } } };

function op(summary: string, tag: string, extra: Operation): Operation {
  return { summary, tags: [tag], ...extra, responses: { ...(extra.responses as object), ...errors } };
}

const execRequestSchema = {
  type: 'object',
  required: ['command'],
  properties: {
    command: { type: 'array', minItems: 1, items: { type: 'string' } },
    timeoutSeconds: { type: 'integer', minimum: 1, maximum: 86400, default: 300 },
    connectTimeoutSeconds: { type: 'integer', minimum: 0, default: 0 },
    logStream: { type: 'string' },
    id: { type: 'string', pattern: '^[0-9a-zA-Z_-]{1,64}$' },
  },
};
const cancelAnswerSchema = {
  type: 'object',
  required: ['id', 'was'],
  properties: { id: { type: 'string' }, was: { type: 'string', enum: ['pending', 'running', 'finished'] } },
};
const execResultSchema = {
  type: 'object',
  required: ['exitCode', 'output', 'truncatedBytes', 'timedOut', 'durationMs'],
  properties: {
    exitCode: { type: 'integer', nullable: true },
    output: { type: 'string' },
    truncatedBytes: { type: 'integer' },
    timedOut: { type: 'boolean' },
    durationMs: { type: 'number' },
  },
};
const filesResultSchema = { type: 'object', required: ['bytes'], properties: { bytes: { type: 'integer' } } };
const pathQuery = { name: 'path', in: 'query', required: true, schema: { type: 'string' } };

function webApiPaths(): Record<string, object> {
  const textErrors = 'Send `Prefer: errors=text-only` for text/plain error messages.';
  return {
    [AGENT_PATHS.nodes]: {
      get: op('WalT web API: nodes', 'walt', {
        description: `Exact-match filters; booleans JSON-parsed; an unknown filter is a 400. ${textErrors}`,
        parameters: parametersOf(s.waltNodesQuerySchema, 'query'),
        responses: { 200: ok('Nodes', s.waltNodesAnswerSchema) },
      }),
    },
    [AGENT_PATHS.images]: {
      get: op('WalT web API: images', 'walt', {
        description: textErrors,
        parameters: parametersOf(s.waltImagesQuerySchema, 'query'),
        responses: { 200: ok('Images', s.waltImagesAnswerSchema) },
      }),
    },
    [AGENT_PATHS.logs]: {
      get: op('WalT web API: logs between two times', 'walt', {
        description: textErrors,
        parameters: parametersOf(s.waltLogsQuerySchema, 'query'),
        responses: { 200: ok('Log lines by time', s.waltLogsAnswerSchema) },
      }),
    },
    [AGENT_PATHS.openapi]: {
      get: op('This document', 'walt', {
        responses: { 200: ok('OpenAPI 3.0 document', { type: 'object' }) },
      }),
    },
  };
}

function logApiPaths(): Record<string, object> {
  const query = parametersOf(s.logQueryStringSchema, 'query');
  const ownerParam = parametersOf(s.ownerQuerySchema, 'query');
  return {
    [AGENT_PATHS.logQuery]: {
      get: op('Query stored log lines', 'logs', {
        description:
          'JSON: at most `limit` lines (default 10 000, at most 100 000), oldest first, `truncated` when more match ' +
          '(reason "limit") or when the time budget of the read ran out (reason "time-budget"). ' +
          'With Accept: application/x-ndjson: every matching line (up to `limit`), one ApiLogLine per line, streamed, ' +
          'then {"truncated":true,"reason":"time-budget"} if the budget cut it. Regexes: JavaScript syntax, run in ' +
          'RE2 (no back-references or lookaround: 400 WALT_ERR_LOGS_REGEX_UNSUPPORTED).',
        parameters: query,
        responses: {
          200: {
            description: 'Matching lines, by time',
            content: {
              'application/json': { schema: s.logQueryAnswerSchema },
              'application/x-ndjson': { schema: s.apiLogLineSchema },
            },
          },
        },
      }),
    },
    [AGENT_PATHS.logFollow]: {
      get: op('Follow log lines: history, then live', 'logs', {
        description:
          'NDJSON: one ApiLogLine per line, and {"heartbeat":true} every 15 s, until the client disconnects. ' +
          'A history cut by the time budget is followed by {"truncated":true,"reason":"time-budget"}, then live lines.',
        parameters: query,
        responses: { 200: ok('NDJSON stream', s.apiLogLineSchema, 'application/x-ndjson') },
      }),
    },
    [AGENT_PATHS.logAppend]: {
      post: op('Append log lines', 'logs', {
        security: token,
        requestBody: { required: true, content: json(s.appendLogsBodySchema) },
        responses: { 204: ok('Stored') },
      }),
      delete: op('Delete every line of some streams', 'logs', {
        description: 'The streams of `issuer` (repeatable) and/or matching the `stream` regex; at least one.',
        security: token,
        parameters: parametersOf(s.deleteStreamsQuerySchema, 'query'),
        responses: {
          200: ok('Deleted', { type: 'object', properties: { deleted: { type: 'integer', minimum: 0 } } }),
        },
      }),
    },
    [AGENT_PATHS.checkpoints]: {
      get: op('List checkpoints', 'logs', {
        parameters: ownerParam,
        responses: {
          200: ok('Checkpoints by time', {
            type: 'object',
            required: ['checkpoints'],
            properties: { checkpoints: { type: 'array', items: s.checkpointSchema } },
          }),
        },
      }),
      post: op('Add a checkpoint', 'logs', {
        security: token,
        requestBody: { required: true, content: json(s.checkpointSchema) },
        responses: { 201: ok('Added', s.checkpointSchema) },
      }),
    },
    [decodeURIComponent(AGENT_PATHS.checkpoint('{name}'))]: {
      delete: op('Remove a checkpoint', 'logs', {
        security: token,
        parameters: [...parametersOf(s.checkpointParamsSchema, 'path'), ...ownerParam],
        responses: { 204: ok('Removed') },
      }),
    },
  };
}

function nodePaths(): Record<string, object> {
  const fromNode = "Only from the address of the node's DHCP lease.";
  return {
    [AGENT_PATHS.nodeBootup('{node}')]: {
      post: op('Bootup notification (node)', 'node', {
        description: fromNode,
        parameters: [nodeParam],
        requestBody: {
          content: json({
            type: 'object',
            properties: {
              ip: { type: 'string' },
              imageDigest: { type: 'string', pattern: '^sha256:[0-9a-f]{64}$' },
              nfsReadBytes: { type: 'integer', minimum: 0 },
              bootId: bootIdSchema,
            },
          }),
        },
        responses: { 200: ok('Recorded', { type: 'object' }) },
      }),
    },
    [AGENT_PATHS.nodeLogs('{node}')]: {
      post: op('Log lines of the node (walt-log-cat)', 'node', {
        description: `${fromNode} One log line per text line; with ts=provided each starts with "<epoch seconds> ".`,
        parameters: [nodeParam, ...parametersOf(s.nodeLogsQuerySchema, 'query')],
        requestBody: { required: true, content: textPlain },
        responses: {
          200: ok('Stored', {
            type: 'object',
            properties: { stored: { type: 'integer' }, dropped: { type: 'integer' } },
          }),
        },
      }),
    },
    [AGENT_PATHS.nodeNextCommand('{node}')]: {
      get: op('Next command for the node (long poll)', 'node', {
        description: fromNode,
        parameters: [
          nodeParam,
          { name: 'wait', in: 'query', schema: { type: 'integer', default: COMMAND_POLL_WAIT_SECONDS } },
          { name: 'boot', in: 'query', schema: bootIdSchema },
        ],
        responses: {
          200: ok('"<id>\\n<sh script>"', { type: 'string' }, 'text/plain'),
          204: ok('No command'),
        },
      }),
    },
    [AGENT_PATHS.nodeCommandResult('{node}', '{id}')]: {
      post: op('Result of a command (node)', 'node', {
        description: fromNode,
        parameters: [nodeParam, idParam],
        requestBody: {
          content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
        },
        responses: { 200: ok('Recorded') },
      }),
    },
    [AGENT_PATHS.nodeTransfer('{node}', '{id}')]: {
      get: op('File transfer data, agent → node', 'node', {
        description: fromNode,
        parameters: [nodeParam, idParam],
        responses: { 200: ok('tar archive', { type: 'string', format: 'binary' }, 'application/x-tar') },
      }),
      put: op('File transfer data, node → agent', 'node', {
        description: fromNode,
        parameters: [nodeParam, idParam],
        requestBody: { content: tar },
        responses: { 200: ok('Received') },
      }),
    },
  };
}

function controlPaths(): Record<string, object> {
  return {
    [AGENT_PATHS.nodeExec('{node}')]: {
      post: op('Run a command on the node', 'control', {
        security: token,
        parameters: [nodeParam],
        requestBody: { required: true, content: json(execRequestSchema) },
        responses: { 200: ok('Finished (or timed out)', execResultSchema) },
      }),
    },
    [AGENT_PATHS.nodeExecById('{node}', '{id}')]: {
      get: op('Wait for the command sent with this id (attach)', 'control', {
        description: '404 WALT_ERR_COMMAND_LOST when the agent has no record of it (restarted, or expired).',
        security: token,
        parameters: [nodeParam, idParam],
        responses: { 200: ok('Finished (or timed out)', execResultSchema) },
      }),
      delete: op('Cancel the command: killed on the node', 'control', {
        security: token,
        parameters: [nodeParam, idParam],
        responses: { 200: ok('Where the command was', cancelAnswerSchema) },
      }),
    },
    [AGENT_PATHS.nodeFiles('{node}')]: {
      put: op('Extract a tar archive into a directory of the node', 'control', {
        security: token,
        parameters: [nodeParam, pathQuery],
        requestBody: { required: true, content: tar },
        responses: { 200: ok('Extracted', filesResultSchema) },
      }),
      get: op('A tar archive of a path of the node', 'control', {
        security: token,
        parameters: [nodeParam, pathQuery],
        responses: { 200: ok('tar archive', { type: 'string', format: 'binary' }, 'application/x-tar') },
      }),
    },
  };
}

const saveRequestSchema = {
  type: 'object',
  required: ['ref'],
  properties: {
    ref: { type: 'string', description: '<registry>/<repository>:<tag> to push to' },
    insecure: { type: 'boolean' },
    auth: {
      type: 'object',
      required: ['username', 'password'],
      properties: { username: { type: 'string' }, password: { type: 'string' } },
    },
  },
};
const saveResultSchema = {
  type: 'object',
  required: ['ref', 'digest', 'layerBytes', 'changeBytes'],
  properties: {
    ref: { type: 'string' },
    digest: { type: 'string' },
    layerBytes: { type: 'integer' },
    changeBytes: { type: 'integer' },
  },
};
const secretQuery = { name: 'secret', in: 'query', required: true, schema: { type: 'string' } };
const upgrade = { 101: { description: 'Switching protocols: frames of api/agent/session-frames.ts' } };

/** Node save (ADR 0021) and interactive sessions (ADR 0019): control routes and the node's ends. */
function sessionAndSavePaths(): Record<string, object> {
  const fromNode = "From the node's leased address, with the one-time secret the agent gave it.";
  return {
    [AGENT_PATHS.nodeSave('{node}')]: {
      post: op("Save the node's RAM overlay as a new image, pushed to a registry", 'control', {
        security: token,
        parameters: [nodeParam],
        requestBody: { required: true, content: json(saveRequestSchema) },
        responses: { 200: ok('Pushed', saveResultSchema) },
      }),
    },
    [AGENT_PATHS.nodeSaveUpload('{node}', '{id}')]: {
      post: op("The overlay's tar, streamed by the node (node)", 'node', {
        description: fromNode,
        parameters: [nodeParam, idParam, secretQuery],
        requestBody: { content: tar },
        responses: { 200: ok('Received') },
      }),
    },
    [AGENT_PATHS.nodeSession('{node}')]: {
      get: op('Open an interactive session on the node (WebSocket upgrade)', 'control', {
        security: token,
        parameters: [nodeParam],
        responses: upgrade,
      }),
    },
    [AGENT_PATHS.nodeSessionBack('{node}', '{id}')]: {
      get: op("The node's end of a session (upgrade, node)", 'node', {
        description: fromNode,
        parameters: [nodeParam, idParam, secretQuery],
        responses: upgrade,
      }),
    },
    [AGENT_PATHS.nodeConsole('{node}')]: {
      get: op("Attach to a virtual node's serial console (WebSocket upgrade)", 'control', {
        security: token,
        parameters: [nodeParam],
        responses: upgrade,
      }),
    },
  };
}

export function buildOpenApi(segment: string): object {
  return {
    openapi: '3.0.3',
    info: {
      title: `walt-operator boot agent API (segment ${segment})`,
      version: 'v1',
      description:
        "WalT's web API (public), the log API (reads public, writes with the token), the node routes " +
        "(from the node's leased address) and the control routes (token). See api/agent/v1.ts.",
    },
    components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    paths: {
      ...webApiPaths(),
      ...logApiPaths(),
      ...nodePaths(),
      ...controlPaths(),
      ...sessionAndSavePaths(),
    },
  };
}
