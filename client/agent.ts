// The boot agent's HTTP API as AgentOperations (api/agent/v1.ts), over Node's fetch. A client finds the
// agent of a segment in the WaltSegment's status (agent.apiUrl), accepted only when it names the agent
// itself (api/agent/api-url.ts: the segment's serverAddress, the agent's Service, loopback when allowed),
// and its bearer token by convention in the Secret walt-agent-<segment> of the agents' namespace (key
// "token"), never where the status says (any writer of the status could point it elsewhere; ADR 0011).
// The token is read on the first call that needs it, so read-only log queries work for users who may
// not read the Secret.
import { DEFAULT_SYSTEM_NAMESPACE } from '../api/system-namespace.js';
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
  type SaveNodeRequest,
  type SaveNodeResult,
  type SessionOperations,
  type SessionRequest,
  type SessionTarget,
  sessionQuery,
} from '../api/agent/v1.js';
import { agentUrlPolicyFromEnv, checkAgentApiUrl, type AgentUrlPolicy } from '../api/agent/api-url.js';
import { agentWorkloadName } from '../api/agent/workload.js';
import { RESOURCES, type WaltSegment } from '../api/v1alpha1/index.js';
import { isWaltError } from '../common/errors.js';
import { errorFromResponse, transportError } from './agent-response.js';
import {
  ERR_AGENT_ANSWER_TRUNCATED,
  ERR_AGENT_NOT_PUBLISHED,
  ERR_AGENT_SEGMENT_NOT_FOUND,
  ERR_AGENT_TOKEN,
} from './errors.js';
import { logQueryString } from './log-params.js';
import { longFetch } from './long-fetch.js';
import { readNdjson } from './ndjson.js';

export interface AgentOptions {
  /** Default: the global fetch. */
  fetch?: typeof fetch;
  /** The bearer token, instead of reading the segment's Secret. */
  token?: string;
  /**
   * Which published API URLs are accepted, and the agents' namespace (token Secrets, Service names).
   * Default: from the environment (WALT_AGENT_URL_ALLOW_LOOPBACK, WALT_SYSTEM_NAMESPACE, WALT_CLUSTER_DOMAIN).
   */
  urlPolicy?: AgentUrlPolicy;
}

/** Where an agent is and how to get its token, from its WaltSegment. */
export interface AgentLocation {
  segment: string;
  apiUrl: string;
  tokenSecret: { namespace: string; name: string };
}

/**
 * Where the agent of `segment` is: its published URL once checked (WALT_ERR_AGENT_URL_REFUSED
 * otherwise), and its token Secret by name, whatever status.agent.tokenSecret says.
 */
export function agentLocation(
  segment: WaltSegment,
  policy: AgentUrlPolicy = agentUrlPolicyFromEnv(),
): AgentLocation {
  const name = segment.metadata.name;
  const apiUrl = segment.status?.agent?.apiUrl;
  if (!apiUrl) throw ERR_AGENT_NOT_PUBLISHED(name);
  return {
    segment: name,
    apiUrl: checkAgentApiUrl(apiUrl, { name, serverAddress: segment.spec.serverAddress }, policy),
    tokenSecret: {
      namespace: policy.namespace ?? DEFAULT_SYSTEM_NAMESPACE,
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

/** The agent's time budget cut the answer (`{"truncated":true,"reason":…}`): the reason, else undefined. */
const truncationOf = (value: unknown): string | undefined => {
  if (typeof value !== 'object' || value === null) return undefined;
  const { truncated, reason } = value as { truncated?: unknown; reason?: unknown };
  if (truncated !== true) return undefined;
  return typeof reason === 'string' ? reason : 'truncated';
};

/**
 * Whether an NDJSON value of a log answer is a line. Heartbeats are not; a truncation notice ends a
 * query with ERR_AGENT_ANSWER_TRUNCATED (a follow goes on with live lines: its history was cut).
 */
function isLogLine(value: unknown, follow: boolean, source: string): boolean {
  const truncated = truncationOf(value);
  if (truncated !== undefined && !follow) throw ERR_AGENT_ANSWER_TRUNCATED(source, truncated);
  return truncated === undefined && !isHeartbeat(value);
}

/** A deletion cut by the agent's time budget is asked again, at most this many times. */
const MAX_DELETE_ROUNDS = 100;

class HttpAgent implements AgentOperations, SessionOperations {
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

  /** The WebSocket URL and headers of a session (ADR 0019; client/sessions.ts opens it). */
  async sessionTarget(node: string, request: SessionRequest): Promise<SessionTarget> {
    const base = this.location.apiUrl.replace(/^http/, 'ws');
    const url = `${base}${AGENT_PATHS.nodeSession(node)}?${sessionQuery(request)}`;
    return { url, headers: { authorization: `Bearer ${await this.readToken()}` } };
  }

  async consoleTarget(node: string): Promise<SessionTarget> {
    const url = `${this.location.apiUrl.replace(/^http/, 'ws')}${AGENT_PATHS.nodeConsole(node)}`;
    return { url, headers: { authorization: `Bearer ${await this.readToken()}` } };
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

  saveNode(node: string, request: SaveNodeRequest, signal?: AbortSignal): Promise<SaveNodeResult> {
    return this.json('POST', AGENT_PATHS.nodeSave(node), { json: request, auth: true, signal, long: true });
  }

  async appendLogs(lines: ApiAppendLogs['lines']): Promise<void> {
    await this.request('POST', AGENT_PATHS.logAppend, { json: { lines }, auth: true });
  }

  async deleteLogStreams(selector: LogStreamSelector): Promise<number> {
    let deleted = 0;
    for (let round = 0; round < MAX_DELETE_ROUNDS; round++) {
      const answer = await this.json<{ deleted?: number; truncated?: boolean }>(
        'DELETE',
        AGENT_PATHS.logAppend,
        {
          query: logQueryString(selector),
          auth: true,
        },
      );
      deleted += answer?.deleted ?? 0;
      if (answer?.truncated !== true) return deleted;
    }
    throw ERR_AGENT_ANSWER_TRUNCATED(`${this.location.apiUrl}${AGENT_PATHS.logAppend}`, 'time-budget');
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
      const follow = path === AGENT_PATHS.logFollow;
      for await (const value of readNdjson(response.body, source)) {
        if (isLogLine(value, follow, source)) yield value as ApiLogLine;
      }
    } catch (error) {
      if (signal?.aborted) return;
      if (isWaltError(error, ERR_AGENT_ANSWER_TRUNCATED)) throw error;
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
  return new HttpAgent(kc, agentLocation(segment, options.urlPolicy), options);
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
  const serviceIp = await serviceIpOf(kc, object, options.urlPolicy ?? agentUrlPolicyFromEnv());
  if (serviceIp === undefined) return agentOf(kc, object, options);
  const urlPolicy = { ...(options.urlPolicy ?? agentUrlPolicyFromEnv()), serviceIp };
  return agentOf(kc, object, { ...options, urlPolicy });
}

/** The host of `url` when it is an IPv4 address. */
function ipv4HostOf(url: string | undefined): string | undefined {
  if (!URL.canParse(url ?? '')) return undefined;
  const host = new URL(url!).hostname;
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) ? host : undefined;
}

/**
 * The cluster IP of the agent's Service when the segment publishes an IP that is not its server
 * address (in a cluster the operator publishes the Service's cluster IP): read from the API, never
 * believed from status, which any agent may write. Undefined when there is nothing to read or no
 * right to read it: the URL check then refuses the IP as before.
 */
async function serviceIpOf(
  kc: k8s.KubeConfig,
  segment: WaltSegment,
  policy: AgentUrlPolicy,
): Promise<string | undefined> {
  const host = ipv4HostOf(segment.status?.agent?.apiUrl);
  if (host === undefined || host === segment.spec.serverAddress) return undefined;
  const service = await kc
    .makeApiClient(k8s.CoreV1Api)
    .readNamespacedService({
      name: agentWorkloadName(segment.metadata.name),
      namespace: policy.namespace ?? DEFAULT_SYSTEM_NAMESPACE,
    })
    .catch(() => undefined);
  return service?.spec?.clusterIP === host ? host : undefined;
}
