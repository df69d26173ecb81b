// The registry client against a real registry (docker-registry, distribution 2.8) with images built by
// the project's OCI writer and pushed with skopeo: anonymous, htpasswd (Basic) and token (Bearer)
// access, multi-platform selection, corrupted blobs and an outage.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  credentialsFromDockerConfig,
  DigestMismatch,
  isTransient,
  NoPlatform,
  parseReference,
  platformForModel,
  RegistryClient,
  RegistryUnauthorized,
  RegistryUnreachable,
} from '../../oci/index.js';
import { decompress as zstdDecompress } from 'fzstd';
import tar from 'tar-stream';
import { gunzipSync } from 'node:zlib';
import {
  buildImage,
  buildLargeImage,
  buildMultiArchImage,
  layerTar,
  pushLayout,
  type BuiltImage,
  type BuiltIndex,
  type ImageDescription,
} from '../support/oci-builder.js';
import { startRegistry, type TestRegistry } from '../../local/lab/registry.js';

function osImage(architecture: string, variant?: string): ImageDescription {
  return {
    layers: [
      [
        { path: 'etc', type: 'dir' },
        { path: 'etc/hostname', type: 'file', content: `walt-${architecture}\n` },
        { path: 'bin', type: 'dir' },
        { path: 'bin/sh', type: 'symlink', linkname: 'busybox' },
      ],
      [{ path: 'bin/busybox', type: 'file', content: randomBytes(64 * 1024), mode: 0o755 }],
    ],
    config: {
      architecture,
      os: 'linux',
      ...(variant ? { variant } : {}),
      labels: { 'walt.node.models': 'pc-x86-64' },
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

async function sha256File(file: string): Promise<string> {
  return `sha256:${createHash('sha256')
    .update(await readFile(file))
    .digest('hex')}`;
}

let work: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'walt-registry-client-'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('an anonymous registry', () => {
  let registry: TestRegistry;
  let single: BuiltImage;
  let multi: BuiltIndex;
  const client = (): RegistryClient => new RegistryClient({ insecure: true, timeoutMs: 5000 });

  beforeAll(async () => {
    registry = await startRegistry();
    const layout = path.join(work, 'anonymous');
    single = await buildImage(layout, osImage('amd64'), 'single');
    multi = await buildMultiArchImage(
      layout,
      [osImage('amd64'), osImage('arm64', 'v8'), osImage('arm', 'v7')],
      'multi',
    );
    await pushLayout(layout, 'single', registry, { repository: 'lab/os' });
    await pushLayout(layout, 'multi', registry, { repository: 'lab/os' });
  });

  afterAll(async () => {
    await registry?.stop();
  });

  it('Given a single-platform image When pulled Then manifest, config and layers verify', async () => {
    const reference = `${registry.host}/lab/os:single`;
    const resolved = await client().resolve(reference);
    expect(resolved.digest).toBe(single.digest);
    expect(resolved.size).toBe(single.manifest.size);

    const document = await client().getManifest(reference, resolved.digest);
    if (document.kind !== 'manifest') throw new Error('expected a manifest');
    const config = await client().getConfig(reference, document.manifest.config);
    expect(config.config?.Labels).toEqual({ 'walt.node.models': 'pc-x86-64' });
    expect(config.architecture).toBe('amd64');

    for (const layer of document.manifest.layers) {
      const file = path.join(work, 'single', layer.digest.slice(7));
      await client().fetchBlob(reference, layer, file);
      expect(await sha256File(file)).toBe(layer.digest);
    }
  });

  it.each([
    ['pc-x86-64', 0],
    ['rpi-4-b', 1],
    ['rpi-3-b', 2],
  ] as const)(
    'Given a multi-arch index When resolved for %s Then its manifest is chosen',
    async (model, position) => {
      const chosen = await client().resolvePlatform(
        parseReference(`${registry.host}/lab/os:multi`),
        platformForModel(model),
      );
      expect(chosen.digest).toBe(multi.digest);
      expect(chosen.manifestDigest).toBe(multi.images[position]?.digest);
      expect(chosen.manifest.layers).toHaveLength(2);
    },
  );

  it('Given a multi-arch index without arm/v6 When resolved for rpi-b Then no platform matches', async () => {
    const { code, error } = await codeOf(
      client().resolvePlatform(`${registry.host}/lab/os:multi`, platformForModel('rpi-b')),
    );
    expect(code).toBe(NoPlatform.code);
    expect((error as Error).message).toContain('linux/arm/v7');
  });

  it('reports progress with increasing byte counts ending at the blob size', async () => {
    const layer = single.layers[1]!;
    const seen: number[] = [];
    const file = path.join(work, 'progress', 'layer');
    await client().fetchBlob(`${registry.host}/lab/os:single`, layer, file, (bytes) => seen.push(bytes));
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((bytes, i) => i === 0 || bytes > seen[i - 1]!)).toBe(true);
    expect(seen.at(-1)).toBe(layer.size);
    expect((await stat(file)).size).toBe(layer.size);
  });

  it('Given a corrupted blob in storage When fetched Then the digest mismatch leaves no file', async () => {
    const layout = path.join(work, 'corrupt');
    const image = await buildImage(layout, osImage('amd64'), 'v1');
    await pushLayout(layout, 'v1', registry, { repository: 'lab/corrupt' });
    const layer = image.layers[1]!;
    await writeFile(registry.blobPath(layer.digest), randomBytes(layer.size));

    const destination = path.join(work, 'corrupt-pull', 'layer');
    const { code } = await codeOf(client().fetchBlob(`${registry.host}/lab/corrupt:v1`, layer, destination));
    expect(code).toBe(DigestMismatch.code);
    expect(existsSync(destination)).toBe(false);
    expect(await readdir(path.dirname(destination))).toEqual([]);
  });

  it('Given the registry is down Then errors are transient, and after a restart pulls work again', async () => {
    const reference = `${registry.host}/lab/os:single`;
    await registry.down();
    const { code, error } = await codeOf(client().resolve(reference));
    expect(code).toBe(RegistryUnreachable.code);
    expect(isTransient(error)).toBe(true);

    await registry.restart();
    expect((await client().resolve(reference)).digest).toBe(single.digest);
  });
});

describe('a private registry behind htpasswd', () => {
  let registry: TestRegistry;
  let image: BuiltImage;

  beforeAll(async () => {
    registry = await startRegistry({ auth: 'htpasswd' });
    const layout = path.join(work, 'htpasswd');
    image = await buildImage(layout, osImage('amd64'), 'v1');
    await pushLayout(layout, 'v1', registry, { repository: 'team/private' });
  });

  afterAll(async () => {
    await registry?.stop();
  });

  it('Given no credentials Then the pull is unauthorized and the message points at spec.pullSecret', async () => {
    const client = new RegistryClient({ insecure: true });
    const { code, error } = await codeOf(client.resolve(`${registry.host}/team/private:v1`));
    expect(code).toBe(RegistryUnauthorized.code);
    expect(isTransient(error)).toBe(false);
    expect((error as Error).message).toContain('spec.pullSecret');
  });

  it('Given wrong credentials Then the pull is unauthorized', async () => {
    const client = new RegistryClient({
      insecure: true,
      credentials: { username: 'walt', password: 'wrong' },
    });
    const { code } = await codeOf(client.resolve(`${registry.host}/team/private:v1`));
    expect(code).toBe(RegistryUnauthorized.code);
  });

  it('Given credentials from a dockerconfigjson pull secret Then the image is pulled', async () => {
    const credentials = credentialsFromDockerConfig(registry.dockerConfigJson(), registry.host);
    const client = new RegistryClient({ insecure: true, credentials });
    const reference = `${registry.host}/team/private:v1`;
    expect((await client.resolve(reference)).digest).toBe(image.digest);
    const file = path.join(work, 'htpasswd-pull', 'layer');
    await client.fetchBlob(reference, image.layers[0]!, file);
    expect(await sha256File(file)).toBe(image.layers[0]!.digest);
  });
});

describe('a registry with token authentication', () => {
  let publicRegistry: TestRegistry;
  let privateRegistry: TestRegistry;
  let image: BuiltImage;
  const layout = (): string => path.join(work, 'token');

  beforeAll(async () => {
    [publicRegistry, privateRegistry] = await Promise.all([
      startRegistry({ auth: 'token' }),
      startRegistry({ auth: 'token', anonymousPull: false }),
    ]);
    image = await buildImage(layout(), osImage('arm64', 'v8'), 'v1');
    await pushLayout(layout(), 'v1', publicRegistry, { repository: 'lab/os' });
    await pushLayout(layout(), 'v1', privateRegistry, { repository: 'lab/os' });
  });

  afterAll(async () => {
    await publicRegistry?.stop();
    await privateRegistry?.stop();
  });

  it('Given a public repository Then an anonymous pull gets a token and reuses it', async () => {
    const client = new RegistryClient({ insecure: true });
    const reference = `${publicRegistry.host}/lab/os:v1`;
    const before = publicRegistry.tokenServer!.issued();
    const chosen = await client.resolvePlatform(reference, platformForModel('rpi-4-b'));
    expect(chosen.manifestDigest).toBe(image.digest);
    const config = await client.getConfig(reference, chosen.manifest.config);
    expect(config.architecture).toBe('arm64');
    await client.fetchBlob(reference, chosen.manifest.layers[1]!, path.join(work, 'token-pull', 'layer'));
    expect(publicRegistry.tokenServer!.issued() - before).toBe(1);
  });

  it('Given a private repository Then anonymous pulls are refused and credentials work', async () => {
    const reference = `${privateRegistry.host}/lab/os:v1`;
    const { code } = await codeOf(new RegistryClient({ insecure: true }).resolve(reference));
    expect(code).toBe(RegistryUnauthorized.code);

    const credentials = credentialsFromDockerConfig(privateRegistry.dockerConfigJson(), privateRegistry.host);
    const client = new RegistryClient({ insecure: true, credentials });
    expect((await client.resolve(reference)).digest).toBe(image.digest);
  });
});

describe('the OCI writer these tests use', () => {
  async function tarEntries(
    archive: Buffer,
  ): Promise<Array<{ name: string; type: string; linkname?: string | null }>> {
    const entries: Array<{ name: string; type: string; linkname?: string | null }> = [];
    const extract = tar.extract();
    extract.end(archive);
    for await (const entry of extract) {
      entries.push({ name: entry.header.name, type: entry.header.type, linkname: entry.header.linkname });
      entry.resume();
    }
    return entries;
  }

  it('writes hostile entries exactly as described, gzip or zstd compressed', async () => {
    const hostile = [
      { path: '../escape', type: 'file' as const, content: 'x' },
      { path: '/etc/passwd', type: 'file' as const, content: 'root::0:0::/:/bin/sh' },
      { path: 'dev/sda', type: 'block' as const, devmajor: 8, devminor: 0 },
      { path: 'dev/null', type: 'char' as const, devmajor: 1, devminor: 3 },
      { path: 'run/fifo', type: 'fifo' as const },
      { path: 'etc/.wh.hostname', type: 'file' as const, content: '' },
      { path: 'etc/.wh..wh..opq', type: 'file' as const, content: '' },
      { path: 'link', type: 'symlink' as const, linkname: '../../../../etc/shadow' },
      { path: 'hard', type: 'hardlink' as const, linkname: '/etc/passwd' },
      { path: `${'d/'.repeat(80)}long-name`, type: 'file' as const, content: 'long' },
    ];
    const expected = hostile.map((entry) => entry.path);
    const gzipNames = (await tarEntries(gunzipSync(await layerTar(hostile, 'gzip')))).map(
      (entry) => entry.name,
    );
    const zstdNames = (await tarEntries(Buffer.from(zstdDecompress(await layerTar(hostile, 'zstd'))))).map(
      (entry) => entry.name,
    );
    expect(gzipNames).toEqual(expected);
    expect(zstdNames).toEqual(expected);
  });

  it('builds a large image of incompressible data for benchmarks', async () => {
    const image = await buildLargeImage(path.join(work, 'large'), { sizeMiB: 6, layerCount: 3, fileMiB: 1 });
    expect(image.layers).toHaveLength(3);
    const total = image.layers.reduce((sum, layer) => sum + layer.size, 0);
    expect(total).toBeGreaterThan(6 * 1024 * 1024);
  });

  it('pushes Docker v2 media types too (converted by skopeo), and the client pulls them', async () => {
    const registry = await startRegistry();
    try {
      const layout = path.join(work, 'docker-types');
      await buildMultiArchImage(layout, [osImage('amd64'), osImage('arm64')], 'v1');
      const reference = await pushLayout(layout, 'v1', registry.host, { format: 'v2s2' });
      const client = new RegistryClient({ insecure: true });
      const resolved = await client.resolve(reference);
      expect(resolved.mediaType).toBe('application/vnd.docker.distribution.manifest.list.v2+json');
      const chosen = await client.resolvePlatform(reference, platformForModel('rpi-4-b'));
      expect(chosen.manifest.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
      const config = await client.getConfig(reference, chosen.manifest.config);
      expect(config.architecture).toBe('arm64');
      const layer = chosen.manifest.layers[0]!;
      await client.fetchBlob(reference, layer, path.join(work, 'docker-types-pull', 'layer'));
    } finally {
      await registry.stop();
    }
  });
});
