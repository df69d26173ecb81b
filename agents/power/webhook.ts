// The webhook power driver: one HTTP(S) call per power operation to spec.power.webhook.url, for power
// controllers that speak HTTP (smart PDUs, relay boards, a lab's own service). A hard reboot is off,
// 2 s, on, as WalT does with PoE. The URL and body are templates with {{node}}, {{mac}} and {{action}}
// ("on"/"off") only (the schema refuses other placeholders, and the values are a DNS label, a MAC and
// a word: nothing to escape). The value of the Secret key spec.power.webhook.secretRef goes into one
// header (default Authorization, e.g. "Bearer …"); the Secret is read from the agent's namespace,
// where the agent's RBAC names the Secrets it may read (api/rbac/segment-agent.ts). Every call is
// bounded: a timeout for the whole exchange, at most 4 KiB of the answer read (for the error message),
// at most 3 redirects and only to the same origin (a redirect elsewhere would carry the credential to
// another host).
import type { WaltNode } from '../../api/v1alpha1/index.js';
import { parseDurationMs } from '../../common/duration.js';
import { statusCodeOf } from '../../runtime/index.js';
import type { PowerDriver } from './driver.js';
import { ERR_POWER_WEBHOOK_CONFIG, ERR_POWER_WEBHOOK_FAILED, ERR_POWER_WEBHOOK_SECRET } from './errors.js';

export type WebhookAction = 'on' | 'off';
type WebhookFields = NonNullable<NonNullable<WaltNode['spec']['power']>['webhook']>;
/** The spec's fields; those with a schema default may be absent (objects not read from the API). */
export type WebhookSpec = Pick<WebhookFields, 'url'> & Partial<WebhookFields>;

export const DEFAULT_WEBHOOK_BODY = '{"node":"{{node}}","mac":"{{mac}}","action":"{{action}}"}';
export const WEBHOOK_OFF_ON_DELAY_MS = 2000;
const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_ANSWER_BYTES = 4096;
const MAX_REDIRECTS = 3;

/** Reads a Secret's data (base64 values), undefined when it does not exist. */
export type SecretReader = (namespace: string, name: string) => Promise<Record<string, string> | undefined>;

export interface WebhookDriverOptions {
  /** The agent's namespace: the only one power Secrets are read from. */
  namespace: string;
  readSecret: SecretReader;
  /** Between off and on of a hard reboot (default 2 s). */
  offOnDelayMs?: number;
  /** Tests replace the clock's wait. */
  sleep?: (ms: number) => Promise<void>;
}

export interface WebhookRequest {
  method: 'POST' | 'PUT' | 'GET';
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

/** Fills the placeholders of `template` (pure). */
export function fillTemplate(template: string, node: WaltNode, action: WebhookAction): string {
  return template
    .replaceAll('{{node}}', node.metadata.name)
    .replaceAll('{{mac}}', node.spec.mac.toLowerCase())
    .replaceAll('{{action}}', action);
}

/** The HTTP request of one operation, without the credential (pure). */
export function webhookRequest(node: WaltNode, spec: WebhookSpec, action: WebhookAction): WebhookRequest {
  const name = node.metadata.name;
  const url = fillTemplate(spec.url, node, action);
  if (!/^https?:\/\//.test(url) || !URL.canParse(url))
    throw ERR_POWER_WEBHOOK_CONFIG(name, `spec.power.webhook.url is not a valid http(s) URL`);
  const timeoutMs = spec.timeout === undefined ? DEFAULT_TIMEOUT_MS : parseDurationMs(spec.timeout);
  if (timeoutMs === undefined || timeoutMs <= 0)
    throw ERR_POWER_WEBHOOK_CONFIG(name, `spec.power.webhook.timeout ${spec.timeout} is not a duration`);
  const method = spec.method ?? 'POST';
  if (method === 'GET') return { method, url, headers: {}, timeoutMs };
  return {
    method,
    url,
    headers: { 'content-type': spec.contentType ?? 'application/json' },
    body: fillTemplate(spec.body ?? DEFAULT_WEBHOOK_BODY, node, action),
    timeoutMs,
  };
}

/** The credential header of the node's webhook, if it names a Secret. */
async function credential(
  node: WaltNode,
  spec: WebhookSpec,
  options: WebhookDriverOptions,
): Promise<Record<string, string>> {
  const ref = spec.secretRef;
  if (!ref) return {};
  const name = node.metadata.name;
  if (ref.namespace !== options.namespace)
    throw ERR_POWER_WEBHOOK_SECRET(
      name,
      `secretRef.namespace must be ${options.namespace}, not ${ref.namespace}`,
    );
  const data = await options.readSecret(ref.namespace, ref.name).catch((error: unknown) => {
    throw ERR_POWER_WEBHOOK_SECRET(
      name,
      `cannot read Secret ${ref.namespace}/${ref.name}: ${readFailure(error)}`,
    );
  });
  if (!data) throw ERR_POWER_WEBHOOK_SECRET(name, `Secret ${ref.namespace}/${ref.name} does not exist`);
  const encoded = data[ref.key];
  if (encoded === undefined)
    throw ERR_POWER_WEBHOOK_SECRET(name, `Secret ${ref.namespace}/${ref.name} has no key ${ref.key}`);
  const value = Buffer.from(encoded, 'base64').toString('utf8').trim();
  // A header value is one line of visible characters: anything else could split the request.
  if (value.length === 0 || value.length > 4096 || /[^\t\x20-\x7e]/.test(value))
    throw ERR_POWER_WEBHOOK_SECRET(
      name,
      `key ${ref.key} of Secret ${ref.name} is not a one-line header value`,
    );
  return { [spec.authHeader ?? 'Authorization']: value };
}

/** Why a Secret read failed, in one line (the API client's error carries the whole answer). */
function readFailure(error: unknown): string {
  const code = statusCodeOf(error);
  if (code === 403) return 'forbidden (403): the agent may read only the power Secrets its RBAC names';
  return code === undefined ? messageOf(error).split('\n')[0]! : `HTTP ${code}`;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}

/** At most MAX_ANSWER_BYTES of the answer's body, as text; the rest is never read. */
async function answerText(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader() as ReadableStreamDefaultReader<Uint8Array>;
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < MAX_ANSWER_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, MAX_ANSWER_BYTES).toString('utf8').replace(/\s+/g, ' ').trim();
}

type Fail = (detail: string) => Error;
type Hop = { done: true } | { next: string };

function send(url: string, request: WebhookRequest, signal: AbortSignal, fail: Fail): Promise<Response> {
  const body = request.body === undefined ? {} : { body: request.body };
  return fetch(url, {
    method: request.method,
    headers: request.headers,
    ...body,
    redirect: 'manual',
    signal,
  }).catch((error: unknown) => {
    throw signal.aborted ? fail(`no answer within ${request.timeoutMs} ms`) : fail(messageOf(error));
  });
}

/** Where a redirect answer leads, when it stays on the origin of the request's URL. */
function sameOriginTarget(response: Response, url: string, request: WebhookRequest, fail: Fail): string {
  const location = response.headers.get('location');
  const next = location && URL.canParse(location, url) ? new URL(location, url) : undefined;
  if (next?.origin !== new URL(request.url).origin)
    throw fail(`redirect to ${next ? next.origin : 'nowhere'} refused (only the same origin is followed)`);
  return next.href;
}

/** One request of the exchange: done on 2xx, the next URL on a same-origin redirect, else an error. */
async function hop(url: string, request: WebhookRequest, signal: AbortSignal, fail: Fail): Promise<Hop> {
  const response = await send(url, request, signal, fail);
  const { status } = response;
  const ok = status >= 200 && status < 300;
  const redirect = status >= 300 && status < 400;
  if (ok || redirect) {
    await response.body?.cancel().catch(() => undefined);
    return ok ? { done: true } : { next: sameOriginTarget(response, url, request, fail) };
  }
  const text = await answerText(response).catch(() => '');
  throw fail(`${request.method} ${redact(url)} answered ${status}${text ? `: ${text}` : ''}`);
}

/** Sends `request`, following same-origin redirects only; resolves on a 2xx answer. */
export async function sendWebhook(
  node: string,
  action: WebhookAction,
  request: WebhookRequest,
): Promise<void> {
  const signal = AbortSignal.timeout(request.timeoutMs);
  const fail: Fail = (detail) => ERR_POWER_WEBHOOK_FAILED(node, action, detail);
  let url = request.url;
  for (let hops = 0; hops <= MAX_REDIRECTS; hops++) {
    const result = await hop(url, request, signal, fail);
    if ('done' in result) return;
    url = result.next;
  }
  throw fail(`more than ${MAX_REDIRECTS} redirects`);
}

/** The URL without user info or query (they may carry secrets) for messages. */
function redact(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

export function webhookDriver(options: WebhookDriverOptions): PowerDriver {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const delay = options.offOnDelayMs ?? WEBHOOK_OFF_ON_DELAY_MS;
  const call = async (node: WaltNode, action: WebhookAction): Promise<void> => {
    const spec = node.spec.power?.webhook;
    if (!spec) throw ERR_POWER_WEBHOOK_CONFIG(node.metadata.name, 'spec.power.webhook is missing');
    const request = webhookRequest(node, spec, action);
    const auth = await credential(node, spec, options);
    await sendWebhook(node.metadata.name, action, { ...request, headers: { ...request.headers, ...auth } });
  };
  return {
    powerOn: (node) => call(node, 'on'),
    powerOff: (node) => call(node, 'off'),
    async hardReboot(node) {
      await call(node, 'off');
      await sleep(delay);
      await call(node, 'on');
    },
  };
}
