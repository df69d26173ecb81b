// Pushing to an OCI distribution registry: blobs from files (HEAD first: a blob the repository has is
// not sent again; else POST an upload session and PUT the file as one monolithic body, streamed from
// disk) and a manifest by tag. Auth as for pulls (anonymous, Basic, Bearer token) with the push scope.
// Used by `walt node save` (agents/save/); a blob is never read whole into memory.
import { openAsBlob } from 'node:fs';
import {
  basicAuthorization,
  fetchBearerToken,
  parseWwwAuthenticate,
  pickChallenge,
  TokenCache,
  type Challenge,
  type Credentials,
} from './auth.js';
import { computeDigest } from './digest.js';
import { errorForStatus, RegistryProtocol, RegistryUnauthorized } from './errors.js';
import { discard, send, Watchdog, type FetchImpl } from './http.js';
import { formatReference, parseReference, registryBaseUrl, type ImageReference } from './reference.js';

export interface PushClientOptions {
  insecure?: boolean;
  credentials?: Credentials;
  fetchImpl?: FetchImpl;
  userAgent?: string;
  /** A request that makes no progress for this long fails as unreachable (default 120 s). */
  timeoutMs?: number;
}

export interface BlobFile {
  digest: string;
  size: number;
  file: string;
}

/** The scope a push needs (a push also reads: HEAD of blobs). */
export function pushScope(repository: string): string {
  return `repository:${repository}:pull,push`;
}

/** The upload URL of a POST answer, with `digest` added (Location may be relative, may have a query). */
export function uploadUrl(location: string, base: string, digest: string): string {
  const url = new URL(location, base);
  url.searchParams.set('digest', digest);
  return url.toString();
}

interface PushRequest {
  body?: Blob | Buffer;
  headers?: Record<string, string>;
  /** The watchdog's idle time for this request (default: the client's). */
  timeoutMs?: number;
}

export class PushClient {
  private readonly ref: ImageReference;
  private readonly base: string;
  private readonly fetchImpl: FetchImpl;
  private readonly userAgent: string;
  private readonly timeoutMs: number;
  private readonly tokens = new TokenCache();
  private authorization: string | undefined;

  constructor(
    reference: ImageReference | string,
    private readonly options: PushClientOptions = {},
  ) {
    this.ref = typeof reference === 'string' ? parseReference(reference) : reference;
    this.base = `${registryBaseUrl(this.ref.registry, options.insecure ?? false)}/v2/${this.ref.repository}`;
    this.fetchImpl = options.fetchImpl ?? fetch;
    this.userAgent = options.userAgent ?? 'walt-operator';
    this.timeoutMs = options.timeoutMs ?? 120_000;
  }

  /**
   * Sends the blob unless the repository has it: 'present' (HEAD found it), 'mounted' (the registry
   * linked it from repository `mountFrom` of the same registry, the base image's, without a copy) or
   * 'sent'.
   */
  async pushBlob(blob: BlobFile, mountFrom?: string): Promise<'present' | 'mounted' | 'sent'> {
    const head = await this.request('HEAD', `${this.base}/blobs/${blob.digest}`, {}, `blob ${blob.digest}`);
    await discard(head);
    if (head.status === 200) return 'present';
    const mount =
      mountFrom === undefined || mountFrom === this.ref.repository
        ? ''
        : `?${new URLSearchParams({ mount: blob.digest, from: mountFrom }).toString()}`;
    const started = await this.request(
      'POST',
      `${this.base}/blobs/uploads/${mount}`,
      {},
      'an upload session',
    );
    if (mount && started.status === 201) {
      await discard(started);
      return 'mounted';
    }
    await this.ensure(started, 202, 'an upload session');
    const location = started.headers.get('location');
    if (!location) throw RegistryProtocol(started.url, 'the upload session answer has no Location');
    const body = await openAsBlob(blob.file);
    if (body.size !== blob.size)
      throw RegistryProtocol(blob.file, `the blob file has ${body.size} bytes, not ${blob.size}`);
    const put = await this.request(
      'PUT',
      uploadUrl(location, this.base, blob.digest),
      {
        body,
        headers: { 'content-type': 'application/octet-stream' },
        // The body's progress is not seen: allow the idle time plus 1 s per MB sent (1 MB/s at worst).
        timeoutMs: this.timeoutMs + Math.ceil(blob.size / 1_000_000) * 1000,
      },
      `blob ${blob.digest}`,
    );
    await this.ensure(put, 201, `blob ${blob.digest}`);
    return 'sent';
  }

  /** Puts `manifest` under the reference's tag; its digest. */
  async pushManifest(manifest: Buffer, mediaType: string): Promise<string> {
    const digest = computeDigest(manifest);
    const target = this.ref.tag ?? digest;
    const put = await this.request(
      'PUT',
      `${this.base}/manifests/${target}`,
      { body: manifest, headers: { 'content-type': mediaType } },
      `manifest ${formatReference(this.ref)}`,
    );
    await this.ensure(put, 201, `manifest ${formatReference(this.ref)}`);
    const claimed = put.headers.get('docker-content-digest');
    if (claimed && claimed !== digest)
      throw RegistryProtocol(
        put.url,
        `the registry says the manifest is ${claimed}, its bytes are ${digest}`,
      );
    return digest;
  }

  private async ensure(response: Response, status: number, what: string): Promise<void> {
    if (response.status === status || (status === 201 && response.ok)) {
      await discard(response);
      return;
    }
    await discard(response);
    throw errorForStatus(response.status, {
      what,
      image: formatReference(this.ref),
      url: response.url,
      hadCredentials: !!this.options.credentials,
    });
  }

  /** One request with the auth dance: the known authorization first, then what a 401 asks for. */
  private async request(method: string, url: string, init: PushRequest, what: string): Promise<Response> {
    const first = await this.send(method, url, init);
    if (first.status !== 401) return first;
    const challenge = pickChallenge(parseWwwAuthenticate(first.headers.get('www-authenticate')));
    await discard(first);
    this.authorization = await this.authorize(challenge, what);
    return this.send(method, url, init);
  }

  private async send(method: string, url: string, init: PushRequest): Promise<Response> {
    const headers: Record<string, string> = { 'user-agent': this.userAgent, ...init.headers };
    if (this.authorization) headers.authorization = this.authorization;
    const watchdog = new Watchdog(init.timeoutMs ?? this.timeoutMs);
    try {
      return await send(
        this.fetchImpl,
        url,
        { method, headers, ...(init.body ? { body: init.body } : {}) },
        watchdog,
      );
    } finally {
      watchdog.stop();
    }
  }

  private async authorize(challenge: Challenge | undefined, what: string): Promise<string> {
    const image = formatReference(this.ref);
    const { credentials } = this.options;
    if (challenge?.scheme === 'basic') {
      if (!credentials)
        throw RegistryUnauthorized(
          image,
          false,
          `the registry asks for a username and password to push ${what}`,
        );
      return basicAuthorization(credentials);
    }
    if (challenge?.scheme !== 'bearer')
      throw RegistryUnauthorized(
        image,
        !!credentials,
        `unsupported authentication "${challenge?.scheme ?? 'none'}"`,
      );
    const scope = pushScope(this.ref.repository);
    const key = `${this.ref.registry} ${scope}`;
    const cached = this.tokens.get(key);
    if (cached !== undefined) return `Bearer ${cached}`;
    const token = await fetchBearerToken({
      challenge,
      scope,
      image,
      ...(credentials ? { credentials } : {}),
      fetchImpl: this.fetchImpl,
      timeoutMs: this.timeoutMs,
      userAgent: this.userAgent,
    });
    this.tokens.set(key, token);
    return `Bearer ${token.token}`;
  }
}
