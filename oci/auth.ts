// Registry authentication: reading WWW-Authenticate challenges, finding credentials for a registry in
// a kubernetes.io/dockerconfigjson payload, and the Docker token flow (Bearer tokens per scope,
// cached until shortly before they expire). Everything but fetchBearerToken is pure.
import { errorForStatus, InvalidPullSecret, RegistryProtocol } from './errors.js';
import { discard, send, unreachable, Watchdog, type FetchImpl } from './http.js';

export interface Credentials {
  username: string;
  password: string;
}

export interface Challenge {
  /** Lower case: "basic", "bearer", … */
  scheme: string;
  params: Record<string, string>;
}

const TOKEN_CHARS = /[A-Za-z0-9!#$%&'*+.^_`|~-]/;

/** Parses a WWW-Authenticate header into its challenges (usually one). Unknown syntax is skipped. */
export function parseWwwAuthenticate(header: string | null): Challenge[] {
  const text = header ?? '';
  const challenges: Challenge[] = [];
  let position = 0;
  while (position < text.length) {
    position = skipSeparators(text, position);
    const token = readToken(text, position);
    if (token.length === 0) {
      position += 1;
      continue;
    }
    position = skipSpaces(text, position + token.length);
    if (text[position] === '=' && challenges.length > 0) {
      const value = readValue(text, skipSpaces(text, position + 1));
      (challenges.at(-1) as Challenge).params[token.toLowerCase()] = value.value;
      position = value.end;
    } else {
      challenges.push({ scheme: token.toLowerCase(), params: {} });
    }
  }
  return challenges;
}

/** Bearer is preferred when a registry offers both. */
export function pickChallenge(challenges: Challenge[]): Challenge | undefined {
  return challenges.find((challenge) => challenge.scheme === 'bearer') ?? challenges[0];
}

function skipSeparators(text: string, position: number): number {
  let at = position;
  while (at < text.length && /[\s,]/.test(text[at] ?? '')) at += 1;
  return at;
}

function skipSpaces(text: string, position: number): number {
  let at = position;
  while (at < text.length && /\s/.test(text[at] ?? '')) at += 1;
  return at;
}

function readToken(text: string, position: number): string {
  let end = position;
  while (end < text.length && TOKEN_CHARS.test(text[end] ?? '')) end += 1;
  return text.slice(position, end);
}

function readValue(text: string, position: number): { value: string; end: number } {
  if (text[position] !== '"') {
    const end = text.slice(position).search(/[\s,]|$/) + position;
    return { value: text.slice(position, end), end };
  }
  let value = '';
  let at = position + 1;
  while (at < text.length && text[at] !== '"') {
    if (text[at] === '\\') at += 1;
    value += text[at] ?? '';
    at += 1;
  }
  return { value, end: at + 1 };
}

// ---- dockerconfigjson ----

const DOCKER_HUB_KEYS = new Set([
  'docker.io',
  'index.docker.io',
  'registry-1.docker.io',
  'registry.hub.docker.com',
]);

/** "https://index.docker.io/v1/" → "docker.io"; "HTTP://Reg:5000/x" → "reg:5000". */
export function normaliseRegistryHost(key: string): string {
  const host = key
    .trim()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
    .split('/')[0]!
    .toLowerCase();
  return DOCKER_HUB_KEYS.has(host) ? 'docker.io' : host;
}

/** The credentials a dockerconfigjson payload (or the older dockercfg) holds for `registry`, if any. */
export function credentialsFromDockerConfig(
  payload: string | Buffer | object,
  registry: string,
): Credentials | undefined {
  const config = typeof payload === 'object' && !Buffer.isBuffer(payload) ? payload : parseConfig(payload);
  const auths = ('auths' in config ? config.auths : config) as Record<string, unknown>;
  if (typeof auths !== 'object' || auths === null) throw InvalidPullSecret('"auths" must be an object');
  const wanted = normaliseRegistryHost(registry);
  const key = Object.keys(auths).find((candidate) => normaliseRegistryHost(candidate) === wanted);
  return key === undefined ? undefined : entryCredentials(key, auths[key]);
}

function parseConfig(payload: string | Buffer): object {
  try {
    const value: unknown = JSON.parse(payload.toString());
    if (typeof value === 'object' && value !== null) return value;
  } catch {
    // Reported below.
  }
  throw InvalidPullSecret('not a JSON object');
}

function entryCredentials(key: string, value: unknown): Credentials {
  const entry = (value ?? {}) as { auth?: unknown; username?: unknown; password?: unknown };
  if (typeof entry.username === 'string' && typeof entry.password === 'string') {
    return { username: entry.username, password: entry.password };
  }
  if (typeof entry.auth === 'string') {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  throw InvalidPullSecret(
    `the entry for "${key}" has neither "auth" (base64 of user:password) nor username and password`,
  );
}

export function basicAuthorization(credentials: Credentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

// ---- Bearer tokens ----

export interface BearerToken {
  token: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/** The scope a pull needs, as the token specification spells it. */
export function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}

/** Where to ask for a token: the challenge's realm with its service and our scope. */
export function tokenUrl(challenge: Challenge, scope: string, credentials?: Credentials): string {
  const realm = challenge.params.realm;
  if (!realm) throw RegistryProtocol('the Bearer challenge', 'it names no realm');
  const url = new URL(realm);
  if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
  url.searchParams.set('scope', scope);
  if (credentials) url.searchParams.set('account', credentials.username);
  return url.toString();
}

/** Reads a token server's answer; tokens live 60 s unless it says otherwise (token spec default). */
export function parseTokenResponse(url: string, body: unknown, now: number): BearerToken {
  const answer = (body ?? {}) as { token?: unknown; access_token?: unknown; expires_in?: unknown };
  const token = typeof answer.token === 'string' && answer.token ? answer.token : answer.access_token;
  if (typeof token !== 'string' || token.length === 0)
    throw RegistryProtocol(url, 'the token answer has no token');
  const lifetimeSeconds =
    typeof answer.expires_in === 'number' && answer.expires_in > 0 ? answer.expires_in : 60;
  return { token, expiresAt: now + lifetimeSeconds * 1000 };
}

export interface TokenRequest {
  challenge: Challenge;
  scope: string;
  image: string;
  credentials?: Credentials;
  fetchImpl: FetchImpl;
  timeoutMs: number;
  userAgent: string;
}

export async function fetchBearerToken(request: TokenRequest): Promise<BearerToken> {
  const url = tokenUrl(request.challenge, request.scope, request.credentials);
  const headers: Record<string, string> = { 'user-agent': request.userAgent, accept: 'application/json' };
  if (request.credentials) headers.authorization = basicAuthorization(request.credentials);
  const watchdog = new Watchdog(request.timeoutMs);
  try {
    const response = await send(request.fetchImpl, url, { headers }, watchdog);
    if (!response.ok) {
      await discard(response);
      const context = {
        what: `a token for ${request.scope}`,
        image: request.image,
        url,
        hadCredentials: !!request.credentials,
      };
      throw errorForStatus(response.status, context);
    }
    return parseTokenResponse(url, await readJson(url, response), Date.now());
  } finally {
    watchdog.stop();
  }
}

async function readJson(url: string, response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch (error) {
    if (error instanceof SyntaxError) throw RegistryProtocol(url, 'the token answer is not JSON');
    throw unreachable(url, error);
  }
}

/** Tokens by key (registry and scope), forgotten a little before they expire. */
export class TokenCache {
  private readonly tokens = new Map<string, BearerToken>();

  constructor(private readonly now: () => number = Date.now) {}

  get(key: string): string | undefined {
    const entry = this.tokens.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt - this.now() > 10_000) return entry.token;
    this.tokens.delete(key);
    return undefined;
  }

  set(key: string, token: BearerToken): void {
    this.tokens.set(key, token);
  }
}
