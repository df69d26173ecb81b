// The boot agent's HTTP API as AgentOperations (api/agent/v1.ts), over Node's fetch. A client finds the
// agent of a segment in the WaltSegment's status (agent.apiUrl) and its bearer token in the Secret
// named by status.agent.tokenSecret (key "token"); the token is read on the first call that needs it,
// so read-only log queries work for users who may not read the Secret.
import * as k8s from '@kubernetes/client-node';
import {
  AGENT_PATHS,
  AGENT_TOKEN_KEY,
  agentTokenSecretName,
  type AgentOperations,
  type ApiAppendLogs,
  type ApiCheckpoint,
  type ApiLogLine,
  type CancelAnswer,
  type ExecRequest,
  type ExecResult,
  type FilesResult,
  type LogQueryParams,
  type LogStreamSelector,
  NDJSON,
} from '../api/agent/v1.js';
import { RESOURCES, type WaltSegment } from '../api/v1alpha1/index.js';
import { errorFromResponse, transportError } from './agent-response.js';
import { ERR_AGENT_NOT_PUBLISHED, ERR_AGENT_SEGMENT_NOT_FOUND, ERR_AGENT_TOKEN } from './errors.js';
import { logQueryString } from './log-params.js';
import { longFetch } from './long-fetch.js';
import { readNdjson } from './ndjson.js';

export interface AgentOptions {
  /** Default: the global fetch. */
  fetch?: typeof fetch;
  /** The bearer token, instead of reading the segment's Secret. */
  token?: string;
}

/** Where an agent is and how to get its token, from its WaltSegment. */
export interface AgentLocation {
  segment: string;
  apiUrl: string;
  tokenSecret: { namespace: string; name: string };
}

const DEFAULT_AGENT_NAMESPACE = 'walt-system';

export function agentLocation(segment: WaltSegment): AgentLocation {
  const name = segment.metadata.name;
  const agent = segment.status?.agent;
  if (!agent?.apiUrl) throw ERR_AGENT_NOT_PUBLISHED(name);
  return {
    segment: name,
    apiUrl: agent.apiUrl.replace(/\/+$/, ''),
    tokenSecret: agent.tokenSecret ?? {
      namespace: process.env.WALT_SYSTEM_NAMESPACE ?? DEFAULT_AGENT_NAMESPACE,
      name: agentTokenSecretName(name),
    },
  };
}

interface RequestOptions {
  query?: string;
  json?: unknown;
  body?: Buffer;
  auth?: boolean;
  signal?: AbortSignal;
  /** The answer may take longer than fetch's 300 s header timeout (exec, files). */
  long?: boolean;
  /** The media type asked for (default JSON). */
  accept?: string;
}

const isHeartbeat = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && (value as { heartbeat?: unknown }).heartbeat === true;

class HttpAgent implements AgentOperations {
  readonly segment: string;
  private token: Promise<string> | undefined;
  private readonly fetch: typeof fetch;
  private readonly longFetch: (url: string, init: RequestInit) => Promise<Response>;

  constructor(
    private readonly kc: k8s.KubeConfig,
    private readonly location: AgentLocation,
    options: AgentOptions,
  ) {
    this.segment = location.segment;
    this.fetch = options.fetch ?? globalThis.fetch;
    this.longFetch = options.fetch ?? longFetch;
    if (options.token !== undefined) this.token = Promise.resolve(options.token);
  }

  private readToken(): Promise<string> {
    const { namespace, name } = this.location.tokenSecret;
    const secret = `${namespace}/${name}`;
    this.token ??= this.kc
      .makeApiClient(k8s.CoreV1Api)
      .readNamespacedSecret({ name, namespace })
      .then(
        (s) => {
          const value = s.data?.[AGENT_TOKEN_KEY];
          if (!value) throw ERR_AGENT_TOKEN(this.segment, secret, 'the Secret has no key "token"');
          return Buffer.from(value, 'base64').toString('utf8').trim();
        },
        (error: unknown) => {
          this.token = undefined;
          const detail = error instanceof k8s.ApiException ? `HTTP ${error.code}` : String(error);
          throw ERR_AGENT_TOKEN(this.segment, secret, detail);
        },
      );
    return this.token;
  }

  private async headers(options: RequestOptions): Promise<Record<string, string>> {
    const headers: Record<string, string> = { accept: options.accept ?? 'application/json' };
    if (options.auth) headers.authorization = `Bearer ${await this.readToken()}`;
    if (options.json !== undefined) headers['content-type'] = 'application/json';
    if (options.body !== undefined) headers['content-type'] = 'application/x-tar';
    return headers;
  }

  private async request(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const url = `${this.location.apiUrl}${path}${options.query ?? ''}`;
    const headers = await this.headers(options);
    const body = options.json !== undefined ? JSON.stringify(options.json) : options.body;
    let response: Response;
    try {
      const send = options.long ? this.longFetch : this.fetch;
      response = await send(url, { method, headers, body, signal: options.signal });
    } catch (error) {
      throw transportError(error, this.segment, url);
    }
    if (!response.ok) throw errorFromResponse(response.status, await response.text(), url);
    return response;
  }

  private async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.request(method, path, options);
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  exec(node: string, request: ExecRequest, signal?: AbortSignal): Promise<ExecResult> {
    return this.json('POST', AGENT_PATHS.nodeExec(node), { json: request, auth: true, signal, long: true });
  }

  attachExec(node: string, id: string, signal?: AbortSignal): Promise<ExecResult> {
    return this.json('GET', AGENT_PATHS.nodeExecById(node, id), { auth: true, signal, long: true });
  }

  cancelExec(node: string, id: string): Promise<CancelAnswer> {
    return this.json('DELETE', AGENT_PATHS.nodeExecById(node, id), { auth: true });
  }

  putFiles(node: string, dir: string, tar: Buffer): Promise<FilesResult> {
    const query = `?${new URLSearchParams({ path: dir }).toString()}`;
    return this.json('PUT', AGENT_PATHS.nodeFiles(node), { query, body: tar, auth: true, long: true });
  }

  async getFiles(node: string, path: string): Promise<Buffer> {
    const query = `?${new URLSearchParams({ path }).toString()}`;
    const response = await this.request('GET', AGENT_PATHS.nodeFiles(node), {
      query,
      auth: true,
      long: true,
    });
    return Buffer.from(await response.arrayBuffer());
  }

  async appendLogs(lines: ApiAppendLogs['lines']): Promise<void> {
    await this.request('POST', AGENT_PATHS.logAppend, { json: { lines }, auth: true });
  }

  async deleteLogStreams(selector: LogStreamSelector): Promise<number> {
    const answer = await this.json<{ deleted?: number }>('DELETE', AGENT_PATHS.logAppend, {
      query: logQueryString(selector),
      auth: true,
    });
    return answer?.deleted ?? 0;
  }

  queryLogs(params: LogQueryParams, signal?: AbortSignal): AsyncGenerator<ApiLogLine> {
    return this.logLines(AGENT_PATHS.logQuery, params, signal);
  }

  followLogs(params: LogQueryParams, signal: AbortSignal): AsyncGenerator<ApiLogLine> {
    return this.logLines(AGENT_PATHS.logFollow, params, signal);
  }

  /** The lines of an NDJSON log answer (query or follow) as they arrive. */
  private async *logLines(
    path: string,
    params: LogQueryParams,
    signal?: AbortSignal,
  ): AsyncGenerator<ApiLogLine> {
    const query = logQueryString(params);
    const response = await this.request('GET', path, { query, signal, accept: NDJSON });
    if (!response.body) return;
    const source = `${this.location.apiUrl}${path}`;
    try {
      for await (const value of readNdjson(response.body, source)) {
        if (!isHeartbeat(value)) yield value as ApiLogLine;
      }
    } catch (error) {
      if (signal?.aborted) return;
      throw transportError(error, this.segment, source);
    }
  }

  async addCheckpoint(checkpoint: ApiCheckpoint): Promise<void> {
    await this.request('POST', AGENT_PATHS.checkpoints, { json: checkpoint, auth: true });
  }

  async listCheckpoints(owner?: string): Promise<ApiCheckpoint[]> {
    const query = owner ? `?${new URLSearchParams({ owner }).toString()}` : '';
    const answer = await this.json<ApiCheckpoint[] | { checkpoints?: ApiCheckpoint[] }>(
      'GET',
      AGENT_PATHS.checkpoints,
      { query },
    );
    return Array.isArray(answer) ? answer : (answer?.checkpoints ?? []);
  }

  async removeCheckpoint(name: string, owner?: string): Promise<void> {
    const query = owner ? `?${new URLSearchParams({ owner }).toString()}` : '';
    await this.request('DELETE', AGENT_PATHS.checkpoint(name), { query, auth: true });
  }
}

/** The operations of the agent described by a WaltSegment object already read. */
export function agentOf(
  kc: k8s.KubeConfig,
  segment: WaltSegment,
  options: AgentOptions = {},
): AgentOperations {
  return new HttpAgent(kc, agentLocation(segment), options);
}

/** The operations of the agent of segment `segment` (its WaltSegment read from the cluster). */
export async function connectAgent(
  kc: k8s.KubeConfig,
  segment: string,
  options: AgentOptions = {},
): Promise<AgentOperations> {
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const { group, version, plural } = RESOURCES.segment;
  let object: WaltSegment;
  try {
    object = (await api.getClusterCustomObject({ group, version, plural, name: segment })) as WaltSegment;
  } catch (error) {
    if (error instanceof k8s.ApiException && error.code === 404) throw ERR_AGENT_SEGMENT_NOT_FOUND(segment);
    throw error;
  }
  return agentOf(kc, object, options);
}
