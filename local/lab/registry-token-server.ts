// A Docker token-auth server for tests (the "token" mode of startRegistry): it signs JWTs the way
// distribution 2.8 verifies them — ES256, the signing certificate in the `x5c` header (the registry
// trusts it through auth.token.rootcertbundle), and the iss/sub/aud/exp/nbf/iat/jti/access claims.
import { execFile } from 'node:child_process';
import {
  createPrivateKey,
  randomBytes,
  sign,
  timingSafeEqual,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TokenServerOptions {
  /** Where the key and certificate are written. */
  dir: string;
  issuer: string;
  service: string;
  username: string;
  password: string;
  /** Whether requests without credentials get pull access (like public repositories). */
  anonymousPull: boolean;
  /** Token lifetime in seconds. */
  lifetimeSeconds?: number;
}

export interface TokenServer {
  realm: string;
  certFile: string;
  /** How many tokens were issued, to check that clients cache them. */
  issued(): number;
  close(): Promise<void>;
}

interface Access {
  type: string;
  name: string;
  actions: string[];
}

/** Writes an EC P-256 key and a self-signed certificate for it. */
export async function makeSigningCertificate(dir: string): Promise<{ keyFile: string; certFile: string }> {
  const keyFile = path.join(dir, 'token-key.pem');
  const certFile = path.join(dir, 'token-cert.pem');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    '2',
    '-subj',
    '/CN=walt-test-token-issuer',
  ]);
  return { keyFile, certFile };
}

export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const { keyFile, certFile } = await makeSigningCertificate(options.dir);
  const key = createPrivateKey(await readFile(keyFile));
  const certificate = new X509Certificate(await readFile(certFile));
  const signer = { key, x5c: [certificate.raw.toString('base64')] };
  let issued = 0;
  const server = createServer((request, response) => {
    if (answerToken(request, response, options, signer)) issued += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    certFile,
    issued: () => issued,
    close: () => closeServer(server),
  };
}

function answerToken(
  request: IncomingMessage,
  response: ServerResponse,
  options: TokenServerOptions,
  signer: { key: KeyObject; x5c: string[] },
): boolean {
  const url = new URL(request.url ?? '/', 'http://localhost');
  if (url.pathname !== '/token') return reply(response, 404, { errors: [{ code: 'NOT_FOUND' }] });
  const user = authenticate(request.headers.authorization, options);
  if (user === false)
    return reply(response, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] });
  const scopes = url.searchParams.getAll('scope').flatMap((scope) => scope.split(' '));
  const access = scopes.flatMap((scope) => grant(scope, user !== undefined, options.anonymousPull));
  const lifetime = options.lifetimeSeconds ?? 300;
  const service = url.searchParams.get('service') ?? options.service;
  const token = signJwt(signer, claims({ issuer: options.issuer, service, user, access, lifetime }));
  reply(response, 200, {
    token,
    access_token: token,
    expires_in: lifetime,
    issued_at: new Date().toISOString(),
  });
  return true;
}

/** undefined: anonymous; false: wrong credentials; a name: authenticated. */
function authenticate(header: string | undefined, options: TokenServerOptions): string | undefined | false {
  if (!header) return undefined;
  if (!header.startsWith('Basic ')) return false;
  const expected = Buffer.from(`${options.username}:${options.password}`);
  const given = Buffer.from(header.slice(6), 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected) ? options.username : false;
}

// "repository:lab/os:pull,push": the name may contain ':' only in theory; actions are after the last.
function grant(scope: string, authenticated: boolean, anonymousPull: boolean): Access[] {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first === -1 || last === first) return [];
  const requested = scope.slice(last + 1).split(',');
  const allowed = authenticated
    ? requested
    : requested.filter((action) => anonymousPull && action === 'pull');
  return [{ type: scope.slice(0, first), name: scope.slice(first + 1, last), actions: allowed }];
}

function claims(grant: {
  issuer: string;
  service: string;
  user: string | undefined;
  access: Access[];
  lifetime: number;
}): Record<string, unknown> {
  const { issuer, service, user, access, lifetime } = grant;
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: issuer,
    sub: user ?? '',
    aud: service,
    exp: now + lifetime,
    nbf: now - 10,
    iat: now,
    jti: randomBytes(16).toString('hex'),
    access,
  };
}

function signJwt(signer: { key: KeyObject; x5c: string[] }, payload: Record<string, unknown>): string {
  const header = { typ: 'JWT', alg: 'ES256', x5c: signer.x5c };
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  // JWS wants the raw r||s form of an ECDSA signature, not DER.
  const signature = sign('sha256', Buffer.from(signingInput), { key: signer.key, dsaEncoding: 'ieee-p1363' });
  return `${signingInput}.${base64url(signature)}`;
}

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

function reply(response: ServerResponse, status: number, body: unknown): false {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
  return false;
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
