// The client against small fake registries (node:http on port 0) for the answers a real registry
// rarely gives: redirects to blob storage, lying digests, wrong sizes, overload and stalls.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { RegistryClient } from './client.js';
import { computeDigest } from './digest.js';
import {
  DigestMismatch,
  isTransient,
  RegistryNotFound,
  RegistryUnavailable,
  RegistryUnreachable,
  SizeMismatch,
  UnsupportedMediaType,
} from './errors.js';
import { OCI_CONFIG, OCI_LAYER_GZIP, OCI_MANIFEST } from './media-types.js';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

async function serve(handler: Handler): Promise<{ host: string; close: () => Promise<void> }> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

async function codeOf(promise: Promise<unknown>): Promise<{ code?: string; error: unknown }> {
  try {
    await promise;
  } catch (error) {
    return { code: (error as { code?: string }).code, error };
  }
  throw new Error('expected a rejection');
}

const blob = randomBytes(200_000);
const blobDescriptor = { mediaType: OCI_LAYER_GZIP, digest: computeDigest(blob), size: blob.length };
const manifestBody = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, digest: computeDigest(Buffer.from('{}')), size: 2 },
    layers: [blobDescriptor],
  }),
);
const manifestDigest = computeDigest(manifestBody);

let work: string;
const servers: Array<{ close: () => Promise<void> }> = [];

beforeEach(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'walt-client-test-'));
});

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
  await rm(work, { recursive: true, force: true });
});

async function registry(handler: Handler): Promise<string> {
  const server = await serve(handler);
  servers.push(server);
  return server.host;
}

const client = (timeoutMs = 5000): RegistryClient => new RegistryClient({ insecure: true, timeoutMs });

describe('RegistryClient.resolve', () => {
  it('Given a manifest Then its digest is computed and checked against Docker-Content-Digest', async () => {
    const host = await registry((_request, response) => {
      response.writeHead(200, { 'content-type': OCI_MANIFEST, 'docker-content-digest': manifestDigest });
      response.end(manifestBody);
    });
    const resolved = await client().resolve(`${host}/lab/os:1`);
    expect(resolved).toMatchObject({
      digest: manifestDigest,
      mediaType: OCI_MANIFEST,
      size: manifestBody.length,
    });
  });

  it('Given a registry that lies about the digest Then it is a digest mismatch', async () => {
    const host = await registry((_request, response) => {
      response.writeHead(200, {
        'content-type': OCI_MANIFEST,
        'docker-content-digest': blobDescriptor.digest,
      });
      response.end(manifestBody);
    });
    expect((await codeOf(client().resolve(`${host}/lab/os:1`))).code).toBe(DigestMismatch.code);
  });

  it('Given a request by digest and other content Then it is a digest mismatch', async () => {
    const host = await registry((_request, response) => {
      response.writeHead(200, { 'content-type': OCI_MANIFEST });
      response.end(manifestBody);
    });
    const other = computeDigest(Buffer.from('other'));
    expect((await codeOf(client().getManifest(`${host}/lab/os`, other))).code).toBe(DigestMismatch.code);
  });

  it('Given a schema 1 manifest Then the media type is unsupported', async () => {
    const host = await registry((_request, response) => {
      response.writeHead(200, {
        'content-type': 'application/vnd.docker.distribution.manifest.v1+prettyjws',
      });
      response.end(JSON.stringify({ schemaVersion: 1, name: 'lab/os' }));
    });
    expect((await codeOf(client().resolve(`${host}/lab/os:1`))).code).toBe(UnsupportedMediaType.code);
  });

  it.each([
    [404, RegistryNotFound.code, false],
    [429, RegistryUnavailable.code, true],
    [503, RegistryUnavailable.code, true],
  ])('Given HTTP %d Then the error is %s (transient %s)', async (status, code, transient) => {
    const host = await registry((_request, response) => {
      response.writeHead(status);
      response.end();
    });
    const { code: actual, error } = await codeOf(client().resolve(`${host}/lab/os:1`));
    expect(actual).toBe(code);
    expect(isTransient(error)).toBe(transient);
  });

  it('Given a registry that never answers Then it is unreachable after the timeout', async () => {
    const host = await registry(() => undefined);
    const { code, error } = await codeOf(client(200).resolve(`${host}/lab/os:1`));
    expect(code).toBe(RegistryUnreachable.code);
    expect(isTransient(error)).toBe(true);
  });
});

describe('RegistryClient.fetchBlob', () => {
  it('Given a redirect to blob storage Then it follows it without sending credentials there', async () => {
    let storageAuthorization: string | undefined = 'not called';
    const storage = await registry((request, response) => {
      storageAuthorization = request.headers.authorization;
      response.writeHead(200, { 'content-length': blob.length });
      response.end(blob);
    });
    const host = await registry((request, response) => {
      if (!request.headers.authorization) {
        response.writeHead(401, { 'www-authenticate': 'Basic realm="lab"' });
        response.end();
        return;
      }
      response.writeHead(307, { location: `http://${storage}/blobs/data?signature=x` });
      response.end();
    });
    const destination = path.join(work, 'blob');
    const withCredentials = new RegistryClient({
      insecure: true,
      credentials: { username: 'u', password: 'p' },
    });
    await withCredentials.fetchBlob(`${host}/lab/os:1`, blobDescriptor, destination);
    expect((await readFile(destination)).equals(blob)).toBe(true);
    expect(storageAuthorization).toBeUndefined();
  });

  it('Given more bytes than the descriptor says Then it is a size mismatch and nothing is left', async () => {
    const host = await registry((_request, response) => {
      response.writeHead(200); // chunked: no Content-Length to catch it early
      response.end(Buffer.concat([blob, Buffer.from('extra')]));
    });
    const destination = path.join(work, 'blob');
    const { code } = await codeOf(client().fetchBlob(`${host}/lab/os:1`, blobDescriptor, destination));
    expect(code).toBe(SizeMismatch.code);
    expect(await readdir(work)).toEqual([]);
  });

  it('Given a Content-Length that differs from the descriptor Then it fails before downloading', async () => {
    const host = await registry((_request, response) => {
      response.writeHead(200, { 'content-length': 5 });
      response.end('12345');
    });
    const { code } = await codeOf(
      client().fetchBlob(`${host}/lab/os:1`, blobDescriptor, path.join(work, 'b')),
    );
    expect(code).toBe(SizeMismatch.code);
    expect(existsSync(path.join(work, 'b'))).toBe(false);
  });

  it('Given a download that stalls Then it is unreachable (retry) and the partial file is removed', async () => {
    const host = await registry((_request, response) => {
      response.writeHead(200, { 'content-length': blob.length });
      response.write(blob.subarray(0, 1000)); // then nothing more
    });
    const destination = path.join(work, 'blob');
    const { code } = await codeOf(client(300).fetchBlob(`${host}/lab/os:1`, blobDescriptor, destination));
    expect(code).toBe(RegistryUnreachable.code);
    expect(await readdir(work)).toEqual([]);
  });

  it('Given an empty blob Then progress reports 0 once', async () => {
    const empty = { mediaType: OCI_LAYER_GZIP, digest: computeDigest(Buffer.alloc(0)), size: 0 };
    const host = await registry((_request, response) => {
      response.writeHead(200, { 'content-length': 0 });
      response.end();
    });
    const seen: number[] = [];
    await client().fetchBlob(`${host}/lab/os:1`, empty, path.join(work, 'empty'), (bytes) =>
      seen.push(bytes),
    );
    expect(seen).toEqual([0]);
  });
});
