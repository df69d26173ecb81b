// The OCI distribution client that pulls node images: manifests by tag or digest, configs and layer
// blobs, each verified against its digest, with anonymous, Basic and Bearer-token access.
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import {
  basicAuthorization,
  fetchBearerToken,
  parseWwwAuthenticate,
  pickChallenge,
  pullScope,
  TokenCache,
  type Challenge,
  type Credentials,
} from './auth.js';
import { computeDigest, hasherFor, isDigest, verifyDigest } from './digest.js';
import {
  DigestMismatch,
  errorForStatus,
  NoPlatform,
  RegistryProtocol,
  RegistryUnauthorized,
  SizeMismatch,
} from './errors.js';
import { discard, readLimited, send, unreachable, Watchdog, type FetchImpl } from './http.js';
import {
  parseImageConfig,
  parseManifestDocument,
  type Descriptor,
  type ImageConfig,
  type ImageManifest,
  type ManifestDocument,
} from './manifest.js';
import { MANIFEST_ACCEPT, baseMediaType } from './media-types.js';
import { formatPlatform, offeredPlatforms, selectManifest, type Platform } from './platform.js';
import { formatReference, parseReference, registryBaseUrl, type ImageReference } from './reference.js';

export interface RegistryClientOptions {
  /** Plain http instead of https (not for Docker Hub). */
  insecure?: boolean;
  credentials?: Credentials;
  fetchImpl?: FetchImpl;
  userAgent?: string;
  /** A request that makes no progress for this long fails as unreachable (default 30 s). */
  timeoutMs?: number;
}

export interface ResolvedManifest {
  digest: string;
  mediaType: string;
  size: number;
  body: Buffer;
}

export interface PlatformManifest {
  /** What the reference resolved to: the index's digest for a multi-platform image. */
  digest: string;
  /** The digest of the platform's own manifest (equal to `digest` for a single-platform image). */
  manifestDigest: string;
  manifest: ImageManifest;
}

const MAX_MANIFEST_BYTES = 4 * 1024 * 1024; // the distribution spec's limit
const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

export class RegistryClient {
  private readonly insecure: boolean;
  private readonly credentials: Credentials | undefined;
  private readonly fetchImpl: FetchImpl;
  private readonly userAgent: string;
  private readonly timeoutMs: number;
  private readonly tokens = new TokenCache();
  /** Registries that answered with a Basic challenge: send credentials up front from then on. */
  private readonly basicRegistries = new Set<string>();

  constructor(options: RegistryClientOptions = {}) {
    this.insecure = options.insecure ?? false;
    this.credentials = options.credentials;
    this.fetchImpl = options.fetchImpl ?? fetch;
    this.userAgent = options.userAgent ?? 'walt-operator';
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** GETs the manifest or index a tag or digest points to, verified against its digest. */
  async resolve(reference: ImageReference | string): Promise<ResolvedManifest> {
    const { digest, mediaType, size, body } = await this.fetchManifest(toReference(reference));
    return { digest, mediaType, size, body };
  }

  /** The parsed manifest or index with this digest, verified. */
  async getManifest(reference: ImageReference | string, digest: string): Promise<ManifestDocument> {
    const ref = { ...toReference(reference), digest };
    return (await this.fetchManifest(ref)).document;
  }

  /** Resolves the reference and, for an index, picks the manifest of `platform`. A single-platform
   * manifest is returned as is: check its config's os/architecture if it matters. */
  async resolvePlatform(reference: ImageReference | string, platform: Platform): Promise<PlatformManifest> {
    const ref = toReference(reference);
    const { document } = await this.fetchManifest(ref);
    if (document.kind === 'manifest') {
      return { digest: document.digest, manifestDigest: document.digest, manifest: document.manifest };
    }
    const chosen = selectManifest(document.index.manifests, platform);
    if (!chosen) {
      const offered = offeredPlatforms(document.index.manifests).join(', ');
      throw NoPlatform(formatReference(ref), formatPlatform(platform), offered);
    }
    const child = await this.getManifest(ref, chosen.digest);
    if (child.kind !== 'manifest') throw RegistryProtocol(chosen.digest, 'an index entry is itself an index');
    return { digest: document.digest, manifestDigest: child.digest, manifest: child.manifest };
  }

  /** The image config a manifest points to, verified; labels are in `config.Labels`. */
  async getConfig(reference: ImageReference | string, descriptor: Descriptor): Promise<ImageConfig> {
    const ref = toReference(reference);
    const what = `config ${descriptor.digest} of ${formatReference(ref)}`;
    const watchdog = new Watchdog(this.timeoutMs);
    try {
      const response = await this.get(ref, `blobs/${descriptor.digest}`, '*/*', watchdog);
      await this.ensureOk(response, ref, what);
      const body = await readLimited(response, Math.min(descriptor.size, MAX_CONFIG_BYTES), watchdog);
      if (body.length !== descriptor.size) throw SizeMismatch(what, descriptor.size, String(body.length));
      verifyDigest(what, body, descriptor.digest);
      return parseImageConfig(what, body);
    } finally {
      watchdog.stop();
    }
  }

  /**
   * Streams a blob to `destinationFile`, through `destinationFile.partial` so that only complete,
   * verified content ever has the final name. On a size or digest mismatch nothing is left behind.
   */
  async fetchBlob(
    reference: ImageReference | string,
    descriptor: Descriptor,
    destinationFile: string,
    onProgress?: (bytesDone: number) => void,
  ): Promise<void> {
    const ref = toReference(reference);
    const what = `blob ${descriptor.digest} of ${formatReference(ref)}`;
    const partial = `${destinationFile}.partial`;
    const watchdog = new Watchdog(this.timeoutMs);
    try {
      const response = await this.get(ref, `blobs/${descriptor.digest}`, '*/*', watchdog);
      await this.ensureOk(response, ref, what);
      await checkDeclaredLength(response, descriptor, what);
      await mkdir(path.dirname(destinationFile), { recursive: true });
      const verifier = new VerifyingMeter(what, descriptor, (bytes) => {
        watchdog.kick();
        onProgress?.(bytes);
      });
      await streamTo(response, verifier, partial);
      await rename(partial, destinationFile);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    } finally {
      watchdog.stop();
    }
  }

  private async fetchManifest(
    ref: ImageReference,
  ): Promise<ResolvedManifest & { document: ManifestDocument }> {
    const what = `manifest ${formatReference(ref)}`;
    const watchdog = new Watchdog(this.timeoutMs);
    try {
      const response = await this.get(
        ref,
        `manifests/${ref.digest ?? ref.tag ?? 'latest'}`,
        MANIFEST_ACCEPT,
        watchdog,
      );
      await this.ensureOk(response, ref, what);
      const body = await readLimited(response, MAX_MANIFEST_BYTES, watchdog);
      const digest = manifestDigest(what, body, ref.digest, response.headers.get('docker-content-digest'));
      const document = parseManifestDocument(
        what,
        body,
        baseMediaType(response.headers.get('content-type')),
        digest,
      );
      return { digest, mediaType: document.mediaType, size: body.length, body, document };
    } finally {
      watchdog.stop();
    }
  }

  /** GET with the auth dance: anonymous (or cached credentials) first, then what a 401 asks for. */
  private async get(
    ref: ImageReference,
    resource: string,
    accept: string,
    watchdog: Watchdog,
  ): Promise<Response> {
    const url = `${registryBaseUrl(ref.registry, this.insecure)}/v2/${ref.repository}/${resource}`;
    const scope = pullScope(ref.repository);
    const first = await this.send(url, accept, this.cachedAuthorization(ref.registry, scope), watchdog);
    if (first.status !== 401) return first;
    const challenge = pickChallenge(parseWwwAuthenticate(first.headers.get('www-authenticate')));
    await discard(first);
    const authorization = await this.authorize(ref, scope, challenge);
    return this.send(url, accept, authorization, watchdog);
  }

  private send(
    url: string,
    accept: string,
    authorization: string | undefined,
    watchdog: Watchdog,
  ): Promise<Response> {
    const headers: Record<string, string> = { accept, 'user-agent': this.userAgent };
    if (authorization) headers.authorization = authorization;
    return send(this.fetchImpl, url, { headers }, watchdog);
  }

  private cachedAuthorization(registry: string, scope: string): string | undefined {
    if (this.credentials && this.basicRegistries.has(registry)) return basicAuthorization(this.credentials);
    const token = this.tokens.get(`${registry} ${scope}`);
    return token === undefined ? undefined : `Bearer ${token}`;
  }

  private async authorize(
    ref: ImageReference,
    scope: string,
    challenge: Challenge | undefined,
  ): Promise<string> {
    const image = formatReference(ref);
    if (challenge?.scheme === 'basic') {
      if (!this.credentials)
        throw RegistryUnauthorized(image, false, 'the registry asks for a username and password');
      this.basicRegistries.add(ref.registry);
      return basicAuthorization(this.credentials);
    }
    if (challenge?.scheme !== 'bearer') {
      const detail = `unsupported authentication "${challenge?.scheme ?? 'none'}"`;
      throw RegistryUnauthorized(image, !!this.credentials, detail);
    }
    const token = await fetchBearerToken({
      challenge,
      scope,
      image,
      credentials: this.credentials,
      fetchImpl: this.fetchImpl,
      timeoutMs: this.timeoutMs,
      userAgent: this.userAgent,
    });
    this.tokens.set(`${ref.registry} ${scope}`, token);
    return `Bearer ${token.token}`;
  }

  private async ensureOk(response: Response, ref: ImageReference, what: string): Promise<void> {
    if (response.ok) return;
    await discard(response);
    const context = {
      what,
      image: formatReference(ref),
      url: response.url,
      hadCredentials: !!this.credentials,
    };
    throw errorForStatus(response.status, context);
  }
}

function toReference(reference: ImageReference | string): ImageReference {
  return typeof reference === 'string' ? parseReference(reference) : reference;
}

/** The digest of a fetched manifest: what was asked for, and what the registry claims, must both
 * match the bytes. */
export function manifestDigest(
  what: string,
  body: Buffer,
  requested: string | undefined,
  claimed: string | null,
): string {
  if (requested !== undefined) verifyDigest(what, body, requested);
  if (claimed && isDigest(claimed)) verifyDigest(what, body, claimed);
  return requested ?? computeDigest(body);
}

async function checkDeclaredLength(response: Response, descriptor: Descriptor, what: string): Promise<void> {
  const declared = response.headers.get('content-length');
  if (declared === null || Number(declared) === descriptor.size) return;
  await discard(response);
  throw SizeMismatch(what, descriptor.size, declared);
}

async function streamTo(response: Response, verifier: VerifyingMeter, file: string): Promise<void> {
  if (!response.body) throw RegistryProtocol(response.url, 'the blob answer has no body');
  const source = Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>);
  let sourceError: unknown;
  source.once('error', (error) => {
    sourceError = error;
  });
  try {
    await pipeline(source, verifier, createWriteStream(file));
  } catch (error) {
    // A broken download is the network's fault (retry); a full disk is not.
    throw error === sourceError ? unreachable(response.url, error) : error;
  }
}

/** Passes bytes through while hashing and counting them; fails as soon as there are too many, and at
 * the end if there are too few or the digest differs. */
class VerifyingMeter extends Transform {
  private readonly hasher: ReturnType<typeof hasherFor>;
  private bytes = 0;

  constructor(
    private readonly what: string,
    private readonly descriptor: Descriptor,
    private readonly onProgress: (bytes: number) => void,
  ) {
    super();
    this.hasher = hasherFor(descriptor.digest);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.descriptor.size) {
      callback(SizeMismatch(this.what, this.descriptor.size, `more than ${this.descriptor.size}`));
      return;
    }
    this.hasher.hash.update(chunk);
    if (chunk.length > 0) this.onProgress(this.bytes);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.bytes !== this.descriptor.size) {
      callback(SizeMismatch(this.what, this.descriptor.size, String(this.bytes)));
      return;
    }
    if (this.bytes === 0) this.onProgress(0);
    const actual = `${this.hasher.algorithm}:${this.hasher.hash.digest('hex')}`;
    callback(
      actual === this.descriptor.digest ? null : DigestMismatch(this.what, this.descriptor.digest, actual),
    );
  }
}
