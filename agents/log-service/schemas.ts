// JSON schemas of the log service's requests and answers: the routes validate with the request ones,
// and openapi.ts describes the API with all of them (one definition each).
import { IMAGE_FIELDS, NODE_FIELDS, type FieldTypes } from './walt-filters.js';

import { MAX_ISSUERS } from '../../log-store/query.js';
import { MAX_PATTERN_LENGTH } from '../../log-store/user-regex.js';
import { MAX_QUERY_LIMIT } from './query-params.js';

const str = { type: 'string' } as const;
const nameStr = { type: 'string', minLength: 1, maxLength: 253 } as const;

// ---- Our log API ------------------------------------------------------------------------------

export const logQueryStringSchema = {
  type: 'object',
  properties: {
    issuer: {
      type: 'array',
      items: nameStr,
      maxItems: MAX_ISSUERS,
      description: 'Exact issuer names (repeatable).',
    },
    stream: {
      type: 'string',
      maxLength: MAX_PATTERN_LENGTH,
      description:
        'Regex (JavaScript syntax, run in RE2: no back-references or lookaround) searched in stream names.',
    },
    line: {
      type: 'string',
      maxLength: MAX_PATTERN_LENGTH,
      description:
        'Regex (JavaScript syntax, run in RE2: no back-references or lookaround) searched in line texts.',
    },
    since: { type: 'string', maxLength: 64, description: 'RFC 3339 time or epoch milliseconds.' },
    until: { type: 'string', maxLength: 64, description: 'RFC 3339 time or epoch milliseconds.' },
    fromCheckpoint: { type: 'string', maxLength: 253 },
    toCheckpoint: { type: 'string', maxLength: 253 },
    owner: { type: 'string', maxLength: 253, description: 'Owner of the checkpoints named.' },
    limit: { type: 'integer', minimum: 1, maximum: MAX_QUERY_LIMIT },
  },
} as const;

/** DELETE /api/v1/logs/lines: the streams to empty (at least one selector; the store checks). */
export const deleteStreamsQuerySchema = {
  type: 'object',
  properties: {
    issuer: logQueryStringSchema.properties.issuer,
    stream: logQueryStringSchema.properties.stream,
  },
  additionalProperties: false,
} as const;

export const apiLogLineSchema = {
  type: 'object',
  required: ['id', 'ts', 'issuer', 'stream', 'line'],
  properties: {
    id: { type: 'integer' },
    ts: { type: 'string', format: 'date-time' },
    issuer: str,
    stream: str,
    line: str,
  },
} as const;

export const logQueryAnswerSchema = {
  type: 'object',
  required: ['logs', 'truncated'],
  properties: {
    logs: { type: 'array', items: apiLogLineSchema },
    /** More lines match than `limit` (default 10 000), or the time budget ran out. */
    truncated: { type: 'boolean' },
    reason: {
      type: 'string',
      enum: ['limit', 'time-budget'],
      description:
        'Why truncated: more lines match (ask NDJSON), or the time budget ran out (narrow the query).',
    },
  },
} as const;

export const appendLogsBodySchema = {
  type: 'object',
  required: ['lines'],
  properties: {
    lines: {
      type: 'array',
      maxItems: 10000,
      items: {
        type: 'object',
        required: ['issuer', 'stream', 'line'],
        properties: {
          ts: { type: 'string', maxLength: 64, description: 'RFC 3339 (default: reception time).' },
          issuer: nameStr,
          stream: { type: 'string', minLength: 1, maxLength: 256 },
          line: str,
        },
      },
    },
  },
} as const;

export const checkpointSchema = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', maxLength: 253 },
    ts: { type: 'string', maxLength: 64, description: 'RFC 3339 (default: now).' },
    owner: { type: 'string', maxLength: 253 },
  },
} as const;

export const ownerQuerySchema = {
  type: 'object',
  properties: { owner: { type: 'string', maxLength: 253 } },
} as const;

export const checkpointParamsSchema = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', maxLength: 253 } },
} as const;

// ---- Node log intake ----------------------------------------------------------------------------

export const nodeLogsQuerySchema = {
  type: 'object',
  required: ['stream'],
  properties: {
    stream: { type: 'string', description: 'Letters, digits, ".", "_", "-"; at most 128.' },
    ts: { type: 'string', enum: ['provided', 'server'], default: 'server' },
  },
} as const;

export const nodeParamsSchema = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', maxLength: 63, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' } },
} as const;

// ---- WalT web API (validated by hand: WalT's own messages) ----------------------------------------

function filterQuery(fields: FieldTypes): object {
  const properties = Object.fromEntries(
    Object.entries(fields).map(([name, type]) => [name, { type: type === 'bool' ? 'boolean' : 'string' }]),
  );
  return { type: 'object', properties };
}

export const waltNodesQuerySchema = filterQuery(NODE_FIELDS);
export const waltImagesQuerySchema = filterQuery(IMAGE_FIELDS);

export const waltLogsQuerySchema = {
  type: 'object',
  required: ['from', 'to'],
  properties: {
    from: { type: 'number', description: 'Epoch in ts_unit, ≥ 1340000000 s and ≤ now + 2 s.' },
    to: { type: 'number', description: 'Epoch in ts_unit, ≥ 1340000000 s and ≤ now + 2 s.' },
    ts_unit: { type: 'string', enum: ['s', 'ms'], default: 's' },
    issuer: { type: 'string', maxLength: 253, description: 'Exact device name.' },
    stream: { type: 'string', maxLength: 256, description: 'Exact stream name.' },
  },
} as const;

export const waltNodeSchema = {
  type: 'object',
  required: ['name', 'model', 'virtual', 'image', 'booted', 'ip', 'mac', 'config'],
  properties: {
    name: str,
    model: str,
    virtual: { type: 'boolean' },
    image: str,
    booted: { type: 'boolean' },
    ip: { type: 'string', nullable: true },
    mac: str,
    config: { type: 'object', additionalProperties: true },
    ram: str,
    'cpu.cores': { type: 'integer' },
    disks: str,
    networks: str,
    'boot.delay': str,
  },
} as const;

export const waltNodesAnswerSchema = {
  type: 'object',
  required: ['num_nodes', 'nodes'],
  properties: { num_nodes: { type: 'integer' }, nodes: { type: 'array', items: waltNodeSchema } },
} as const;

export const waltImagesAnswerSchema = {
  type: 'object',
  required: ['num_images', 'images'],
  properties: {
    num_images: { type: 'integer' },
    images: {
      type: 'array',
      items: {
        type: 'object',
        required: ['fullname', 'user', 'id', 'in_use', 'created', 'compatibility'],
        properties: {
          fullname: str,
          user: str,
          id: { type: 'string', pattern: '^[0-9a-f]{64}$' },
          in_use: { type: 'boolean' },
          created: { type: 'string', description: '"YYYY-MM-DD HH:MM:SS", agent local time.' },
          compatibility: { type: 'array', items: str },
        },
      },
    },
  },
} as const;

export const waltLogsAnswerSchema = {
  type: 'object',
  required: ['num_logs', 'logs'],
  properties: {
    num_logs: { type: 'integer' },
    truncated: { type: 'boolean', description: 'Only when the time budget cut the answer short.' },
    reason: { type: 'string', enum: ['time-budget'] },
    logs: {
      type: 'array',
      items: {
        type: 'object',
        required: ['timestamp', 'line', 'issuer', 'stream'],
        properties: { timestamp: { type: 'number' }, line: str, issuer: str, stream: str },
      },
    },
  },
} as const;

export const errorSchema = {
  type: 'object',
  required: ['error', 'message'],
  properties: { error: { type: 'string', description: 'WALT_ERR_… code.' }, message: str },
} as const;
