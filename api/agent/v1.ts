// The boot agent's HTTP API, as its clients see it: the paths, the JSON bodies, how a client finds an
// agent and proves it may drive nodes. One source for the agent's routes (agents/http/routes/), the
// operator's experiment runner, the `walt` CLI and the client library (client/). See ADR 0008.
//
// Three audiences, three kinds of access:
// - WalT's public, read-only web API (walt-reference.md §2.8): GET /api/v1/nodes, /api/v1/images,
//   /api/v1/logs with WalT's JSON shapes, open to anyone who reaches the agent (as WalT's).
// - Nodes (node/walt/ scripts): bootup, log lines, the command channel and file transfers. A node is
//   recognised by its source address: the request must come from the address its DHCP lease holds.
// - Controllers and users (operator, CLI, client library): exec, files, log writes and checkpoints need
//   `Authorization: Bearer <token>`, the token kept in the Secret walt-agent-<segment> of the agents'
//   namespace (key "token"), found by that name and never from status (ADR 0011); reading that Secret
//   is the RBAC permission to drive nodes. Clients send it only to a URL checked by api/agent/api-url.ts.
//   Read-only log queries and follow are open like the WalT log API.
//
// Errors are the agent's usual JSON `{ "error": "WALT_ERR_…", "message": <what to fix> }` with the HTTP
// status; on the WalT web API routes `Prefer: errors=text-only` gets the message as text/plain.

/** Key of the token in the agent's Secret. */
export const AGENT_TOKEN_KEY = 'token';
/** Default name of the agent's token Secret (in the agent's namespace). */
export const agentTokenSecretName = (segment: string): string => `walt-agent-${segment}`;

/** The media type of streamed log answers (follow, and query when asked for it): one JSON value a line. */
export const NDJSON = 'application/x-ndjson';

export const AGENT_PATHS = {
  // WalT web API (public, GET only).
  nodes: '/api/v1/nodes',
  images: '/api/v1/images',
  logs: '/api/v1/logs',
  openapi: '/api/v1/openapi.json',
  // Our log API (query/follow public; POST needs the token).
  logQuery: '/api/v1/logs/query',
  logFollow: '/api/v1/logs/follow',
  logAppend: '/api/v1/logs/lines',
  checkpoints: '/api/v1/checkpoints',
  checkpoint: (name: string): string => `/api/v1/checkpoints/${encodeURIComponent(name)}`,
  // Node-facing (source address must be the node's lease).
  nodeBootup: (node: string): string => `/api/v1/nodes/${node}/bootup`,
  nodeLogs: (node: string): string => `/api/v1/nodes/${node}/logs`,
  nodeNextCommand: (node: string): string => `/api/v1/nodes/${node}/commands/next`,
  nodeCommandResult: (node: string, id: string): string => `/api/v1/nodes/${node}/commands/${id}/result`,
  nodeTransfer: (node: string, id: string): string => `/api/v1/nodes/${node}/transfers/${id}`,
  // Controllers and users (token).
  nodeExec: (node: string): string => `/api/v1/nodes/${node}/exec`,
  nodeExecById: (node: string, id: string): string => `/api/v1/nodes/${node}/exec/${id}`,
  nodeFiles: (node: string): string => `/api/v1/nodes/${node}/files`,
  // walt node save (ADR 0021).
  // Controllers and users (token): save a running node's RAM overlay as a new image.
  nodeSave: (node: string): string => `/api/v1/nodes/${node}/save`,
  // Node-facing (lease address + the one-time secret of the upload slot): the overlay's tar.
  nodeSaveUpload: (node: string, id: string): string => `/api/v1/nodes/${node}/saves/${id}`,
  // Interactive sessions over WebSocket (ADR 0019).
  /** Users (token): opens a session on the node; query SessionQuery. */
  nodeSession: (node: string): string => `/api/v1/nodes/${node}/session`,
  /** The node's walt-session connects back here (lease address + ?secret= of the session). */
  nodeSessionBack: (node: string, id: string): string => `/api/v1/nodes/${node}/sessions/${id}`,
  /** Users (token): a virtual node's serial console (stdin/stdout frames). */
  nodeConsole: (node: string): string => `/api/v1/nodes/${node}/console`,
} as const;

// ---- WalT web API (§2.8) -------------------------------------------------------------------------

/** GET /api/v1/nodes?name=&model=&virtual=&image=&booted=&ip=&mac= (exact matches; unknown → 400). */
export interface WaltApiNode {
  name: string;
  model: string;
  virtual: boolean;
  /** WalT's full image name: "<namespace>/<WaltImage name>:latest", or "waltplatform/<model>-default:latest". */
  image: string;
  booted: boolean;
  ip: string | null;
  mac: string;
  config: Record<string, unknown>;
  /** Virtual nodes only. */
  ram?: string;
  'cpu.cores'?: number;
  disks?: string;
  networks?: string;
  'boot.delay'?: string;
}
export interface WaltApiNodes {
  num_nodes: number;
  nodes: WaltApiNode[];
}

/** GET /api/v1/images?fullname=&user=&id=&in_use= */
export interface WaltApiImage {
  fullname: string;
  /** The WaltImage's namespace (WalT's image owner). */
  user: string;
  /** 64 hex digits (the manifest digest without "sha256:"). */
  id: string;
  in_use: boolean;
  /** "YYYY-MM-DD HH:MM:SS", server local time. */
  created: string;
  compatibility: string[];
}
export interface WaltApiImages {
  num_images: number;
  images: WaltApiImage[];
}

/** GET /api/v1/logs?from=&to=&ts_unit=s|ms&issuer=&stream= (from/to required, epoch floats). */
export interface WaltApiLog {
  timestamp: number;
  line: string;
  issuer: string;
  stream: string;
}
export interface WaltApiLogs {
  num_logs: number;
  logs: WaltApiLog[];
}

// ---- Our log API ---------------------------------------------------------------------------------

/**
 * Query string of GET /api/v1/logs/query and /api/v1/logs/follow: `issuer` (repeatable, exact),
 * `stream` and `line` (regexes in JavaScript syntax, run in RE2: no back-references or lookaround;
 * searched), `since`/`until` (RFC 3339 or epoch ms), `fromCheckpoint`/`toCheckpoint` with `owner`,
 * `limit`. Query answers `{ logs: ApiLogLine[], truncated: boolean, reason?: 'limit' | 'time-budget' }`
 * (at most `limit` lines, default 10 000, at most 100 000; truncated when more match or when the
 * agent's time budget for a read ran out), or with `Accept: application/x-ndjson` every matching line
 * (up to `limit`) as NDJSON, then `{"truncated":true,"reason":"time-budget"}` if the budget cut it;
 * follow answers NDJSON, one ApiLogLine per line, history first (then that truncated line if the budget
 * cut it) then live lines, until the client disconnects (a `{"heartbeat":true}` line every 15 s keeps
 * proxies from closing it). Callers without the token are rate limited per address (429, Retry-After).
 */
export interface ApiLogLine {
  id: number;
  /** RFC 3339 with milliseconds. */
  ts: string;
  issuer: string;
  stream: string;
  line: string;
}

/**
 * DELETE /api/v1/logs/lines?issuer=&stream= (token): every line of the selected streams (`issuer`
 * repeatable, `stream` a regex; at least one) → `{ deleted: number, truncated?: true }` (truncated: the
 * time budget ran out and lines remain; ask again).
 */
export type LogStreamSelector = Pick<LogQueryParams, 'issuers' | 'stream'>;

/** POST /api/v1/logs/lines (token): lines from the operator or a user (e.g. platform streams). */
export interface ApiAppendLogs {
  lines: Array<{ ts?: string; issuer: string; stream: string; line: string }>;
}

/** GET/POST /api/v1/checkpoints (POST and DELETE need the token): `?owner=` selects a user's. */
export interface ApiCheckpoint {
  name: string;
  /** RFC 3339; POST without ts takes the agent's current time. */
  ts?: string;
  owner?: string;
}

// ---- Node commands (ADR 0008) --------------------------------------------------------------------

/** POST /api/v1/nodes/<node>/exec (token). Waits for the node to run the command. */
export interface ExecRequest {
  /** Program and arguments; run by the node's /bin/sh after quoting, never re-split. */
  command: string[];
  /** Seconds the command may run on the node (default 300, max 86400). */
  timeoutSeconds?: number;
  /** Seconds to wait for a node that is not connected to the agent yet (default 0: fail at once). */
  connectTimeoutSeconds?: number;
  /** Also store each output line in the log store under this stream, with the node as issuer. */
  logStream?: string;
  /**
   * The caller's id for the command (1 to 64 of [0-9A-Za-z_-]), an idempotency key: another exec with
   * the same id (the first request cut, the caller restarted) attaches to the same command instead of
   * running it again, as does GET /api/v1/nodes/<node>/exec/<id>. Record it before sending.
   */
  id?: string;
}

/**
 * GET /api/v1/nodes/<node>/exec/<id> (token): waits for command <id> and answers its ExecResult, as its
 * exec does. The agent keeps an ended command's outcome for COMMAND_RESULT_KEEP_SECONDS (and at most
 * 4096 of them); 404 WALT_ERR_COMMAND_LOST when it has no record of the id (it restarted since: it
 * keeps commands in memory only; or the result expired). DELETE /api/v1/nodes/<node>/exec/<id>
 * (token) cancels it: a queued command never runs; a running one is ended on the node at the node's
 * next poll (TERM to its process group, KILL COMMAND_CANCEL_KILL_SECONDS later if the group is still
 * there), and the answer waits for the node's report of that ending (at most the kill grace plus 15 s);
 * its exec and attach answers become 409 WALT_ERR_COMMAND_CANCELLED. Answers
 * `{ id, was: "pending" | "running" | "finished", ended? }`.
 */
export interface CancelAnswer {
  id: string;
  was: 'pending' | 'running' | 'finished';
  /**
   * A running command: how the node ended it. Absent when it never ran (pending), had finished before,
   * or the node did not confirm in time (unreachable: the command's own timeout still ends it there).
   */
  ended?: CancelEnding;
}

export interface CancelEnding {
  /** The command's exit status once ended: 128 + the signal's number when a signal killed its shell. */
  exitCode: number;
  /** The command's group outlived TERM by the grace: the node sent KILL. */
  killed: boolean;
  /** From the node taking the command to its report of the ending. */
  durationMs: number;
}

/** Seconds the node waits after TERM before it sends KILL to a cancelled command's process group. */
export const COMMAND_CANCEL_KILL_SECONDS = 5;

/** How long the agent keeps the outcome of an ended command for GET .../exec/<id>. */
export const COMMAND_RESULT_KEEP_SECONDS = 900;

export interface ExecResult {
  /** The command's exit status; null when it did not finish (see timedOut). */
  exitCode: number | null;
  /** stdout and stderr interleaved, as text (invalid UTF-8 replaced), at most maxOutputBytes. */
  output: string;
  /** Output bytes dropped beyond the limit (the tail is kept). */
  truncatedBytes: number;
  timedOut: boolean;
  durationMs: number;
  /**
   * With logStream only: why the output is not in the log store (the store refused the write: the
   * error's code and message); absent when it was stored. The output above is complete either way;
   * the agent counts these in walt_node_command_output_store_failures_total.
   */
  outputNotStored?: string;
}

/**
 * Files (token): PUT /api/v1/nodes/<node>/files?path=<absolute dir> with a tar body extracts it into
 * that directory on the node (created if missing) → `{ bytes }`; GET ...?path=<absolute path> answers a
 * tar of that file or directory (its last path component as the top entry). 409 WALT_ERR_NODE_NOT_CONNECTED
 * when the node's command channel is not up.
 */
export interface FilesResult {
  bytes: number;
}

/**
 * Node side: GET /api/v1/nodes/<node>/commands/next?wait=<s>&boot=<boot id> → 204, or 200 text
 * "<id>\n<sh script>".
 */
export const COMMAND_POLL_WAIT_SECONDS = 25;
/** A node that has not polled for this long is not connected (and is reported down). */
export const COMMAND_CHANNEL_TIMEOUT_SECONDS = 60;

// ---- Node save (ADR 0021) ----------------------------------------------------------------------

/**
 * POST /api/v1/nodes/<node>/save (token): the node's RAM overlay (its writes since boot, /persist and
 * the runtime directories left out) becomes one gzipped layer on top of the image it booted, pushed
 * with the base's layers, a new config and a manifest to `ref` (a tag). The node keeps running. The
 * answer comes once the manifest is in the registry. 409 WALT_ERR_NODE_NOT_CONNECTED when the node's
 * command channel is not up, 409 WALT_ERR_SAVE_BUSY when a save of the node runs already.
 */
export interface SaveNodeRequest {
  /** Where to push: "<registry>/<repository>:<tag>". */
  ref: string;
  /** Plain http to the registry (a lab registry without TLS). */
  insecure?: boolean;
  auth?: { username: string; password: string };
}

export interface SaveNodeResult {
  /** The reference pushed, canonical. */
  ref: string;
  /** The pushed manifest's digest. */
  digest: string;
  /** Bytes of the new layer blob (gzipped). */
  layerBytes: number;
  /** Bytes of regular-file content the node changed (what the layer holds, uncompressed). */
  changeBytes: number;
}

// ---- Sessions (ADR 0019) -----------------------------------------------------------------------

/**
 * GET /api/v1/nodes/<node>/session (token), a WebSocket upgrade; frames of api/agent/session-frames.ts.
 * Query: `tty=1` for a PTY (window `cols`, `rows`, `term` its TERM), `arg` repeated for the command
 * (none: the node's login shell, which needs tty=1). The agent asks the node (command channel) to run
 * node/walt/walt-session, which connects back to nodeSessionBack with a one-time secret; the client then
 * gets the node's frames until an `exit` frame (or an `error` frame: WALT_ERR_SESSION_…, and the close).
 * 409 WALT_ERR_NODE_NOT_CONNECTED before the upgrade when the node's command channel is down, 503
 * WALT_ERR_SESSION_LIMIT when the node or the agent has too many sessions open.
 */
export interface SessionRequest {
  /** Program and arguments; empty: the node's login shell. */
  command: string[];
  tty: boolean;
  cols?: number;
  rows?: number;
  /** The TERM the remote side sees (tty only); default "xterm". */
  term?: string;
}

/**
 * Most sessions open at once on one node, and on one agent. Each session holds one of the node's 8
 * command slots (ADR 0008) while it lasts: half of them stay for exec and file copies.
 */
export const MAX_SESSIONS_PER_NODE = 4;
export const MAX_SESSIONS_PER_AGENT = 64;

/** Query string of SessionRequest (the order of `arg` is the command's). */
export function sessionQuery(request: SessionRequest): string {
  const query = new URLSearchParams();
  if (request.tty) query.set('tty', '1');
  if (request.cols !== undefined) query.set('cols', String(request.cols));
  if (request.rows !== undefined) query.set('rows', String(request.rows));
  if (request.term !== undefined) query.set('term', request.term);
  for (const arg of request.command) query.append('arg', arg);
  return query.toString();
}

export interface SessionTarget {
  url: string;
  headers: Record<string, string>;
}

/** What a client opens sessions with (client/sessions.ts over a WebSocket). */
export interface SessionOperations {
  /** The session's WebSocket URL (ws:// or wss://) and the headers to open it with. */
  sessionTarget(node: string, request: SessionRequest): Promise<SessionTarget>;
  /** The WebSocket of a virtual node's serial console (GET /api/v1/nodes/<node>/console, token). */
  consoleTarget(node: string): Promise<SessionTarget>;
}

// ---- What a client of the agent can do (implemented over HTTP by client/agent.ts) -----------------

/** Filters of the log query and follow routes (query-string names in brackets). */
export interface LogQueryParams {
  /** [issuer] exact names, any of them. */
  issuers?: string[];
  /** [stream] regex on the stream name. */
  stream?: string;
  /** [line] regex on the text. */
  line?: string;
  /** [since], [until]: RFC 3339 timestamps. */
  since?: string;
  until?: string;
  /** [fromCheckpoint], [toCheckpoint], [owner] */
  fromCheckpoint?: string;
  toCheckpoint?: string;
  owner?: string;
  /** [limit]: at most this many lines, the oldest first (by timestamp, then arrival). */
  limit?: number;
}

/**
 * The agent API of one segment. Failures throw WaltError with the agent's code (e.g.
 * WALT_ERR_NODE_NOT_CONNECTED) or WALT_ERR_AGENT_UNREACHABLE when the agent cannot be reached.
 */
export interface AgentOperations {
  readonly segment: string;
  exec(node: string, request: ExecRequest, signal?: AbortSignal): Promise<ExecResult>;
  /** Waits for command `id` (sent by exec with that id) and answers its result. */
  attachExec(node: string, id: string, signal?: AbortSignal): Promise<ExecResult>;
  /** Cancels command `id` on the node. */
  cancelExec(node: string, id: string): Promise<CancelAnswer>;
  /** Extracts a tar archive into directory `dir` of the node. */
  putFiles(node: string, dir: string, tar: Buffer): Promise<FilesResult>;
  /** A tar archive of `path` on the node (its last component as the top entry). */
  getFiles(node: string, path: string): Promise<Buffer>;
  appendLogs(lines: ApiAppendLogs['lines']): Promise<void>;
  /** Deletes every line of the selected streams; how many were deleted. */
  deleteLogStreams(selector: LogStreamSelector): Promise<number>;
  /** Every matching line (at most `limit`), oldest first, streamed (NDJSON) as the caller reads. */
  queryLogs(params: LogQueryParams, signal?: AbortSignal): AsyncIterable<ApiLogLine>;
  followLogs(params: LogQueryParams, signal: AbortSignal): AsyncIterable<ApiLogLine>;
  addCheckpoint(checkpoint: ApiCheckpoint): Promise<void>;
  listCheckpoints(owner?: string): Promise<ApiCheckpoint[]>;
  removeCheckpoint(name: string, owner?: string): Promise<void>;
  /** Saves the running node's changes as a new image pushed to `request.ref` (ADR 0021). */
  saveNode(node: string, request: SaveNodeRequest, signal?: AbortSignal): Promise<SaveNodeResult>;
}
