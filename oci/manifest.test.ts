import { computeDigest } from './digest.js';
import { imageLabels, parseImageConfig, parseManifestDocument } from './manifest.js';
import { DOCKER_MANIFEST_LIST, OCI_CONFIG, OCI_LAYER_GZIP, OCI_MANIFEST } from './media-types.js';

const D = `sha256:${'1'.repeat(64)}`;
const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

function errorCode(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

const manifest = {
  schemaVersion: 2,
  mediaType: OCI_MANIFEST,
  config: { mediaType: OCI_CONFIG, digest: D, size: 10 },
  layers: [{ mediaType: OCI_LAYER_GZIP, digest: D, size: 20 }],
};

describe('parseManifestDocument', () => {
  it('Given an OCI manifest Then it is typed as a manifest', () => {
    const body = json(manifest);
    const document = parseManifestDocument('m', body, OCI_MANIFEST, computeDigest(body));
    expect(document.kind).toBe('manifest');
    if (document.kind === 'manifest') expect(document.manifest.layers[0]?.size).toBe(20);
  });

  it('Given a Docker manifest list Then it is typed as an index', () => {
    const list = { schemaVersion: 2, mediaType: DOCKER_MANIFEST_LIST, manifests: [] };
    expect(parseManifestDocument('m', json(list), 'application/json', D).kind).toBe('index');
  });

  it('Given no mediaType field Then the Content-Type or the shape decides', () => {
    const bare: Partial<typeof manifest> = { ...manifest };
    delete bare.mediaType;
    expect(parseManifestDocument('m', json(bare), OCI_MANIFEST, D).mediaType).toBe(OCI_MANIFEST);
    expect(parseManifestDocument('m', json({ schemaVersion: 2, manifests: [] }), '', D).kind).toBe('index');
  });

  it.each([
    [
      'schema 1',
      { schemaVersion: 1, name: 'x' },
      'application/vnd.docker.distribution.manifest.v1+prettyjws',
      'WALT_ERR_IMAGE_UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'a Helm chart',
      { ...manifest, config: { ...manifest.config, mediaType: 'application/vnd.cncf.helm.config.v1+json' } },
      OCI_MANIFEST,
      'WALT_ERR_IMAGE_UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'an unknown layer type',
      { ...manifest, layers: [{ mediaType: 'text/plain', digest: D, size: 1 }] },
      OCI_MANIFEST,
      'WALT_ERR_IMAGE_UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'a bad digest',
      { ...manifest, layers: [{ mediaType: OCI_LAYER_GZIP, digest: 'sha256:1', size: 1 }] },
      OCI_MANIFEST,
      'WALT_ERR_IMAGE_MANIFEST_INVALID',
    ],
    [
      'a negative size',
      { ...manifest, layers: [{ mediaType: OCI_LAYER_GZIP, digest: D, size: -1 }] },
      OCI_MANIFEST,
      'WALT_ERR_IMAGE_MANIFEST_INVALID',
    ],
    ['no layers', { ...manifest, layers: undefined }, OCI_MANIFEST, 'WALT_ERR_IMAGE_MANIFEST_INVALID'],
    ['an array', [], OCI_MANIFEST, 'WALT_ERR_IMAGE_MANIFEST_INVALID'],
  ])('Given %s Then it is rejected', (_name, value, contentType, code) => {
    expect(errorCode(() => parseManifestDocument('m', json(value), contentType, D))).toBe(code);
  });

  it('rejects bytes that are not JSON', () => {
    expect(errorCode(() => parseManifestDocument('m', Buffer.from('{'), OCI_MANIFEST, D))).toBe(
      'WALT_ERR_IMAGE_MANIFEST_INVALID',
    );
  });
});

describe('parseImageConfig', () => {
  it('reads platform and labels', () => {
    const config = parseImageConfig(
      'c',
      json({
        architecture: 'arm64',
        os: 'linux',
        config: { Labels: { 'walt.node.models': 'rpi-4-b' } },
        rootfs: { type: 'layers', diff_ids: [D] },
      }),
    );
    expect(config.architecture).toBe('arm64');
    expect(imageLabels(config)).toEqual({ 'walt.node.models': 'rpi-4-b' });
  });

  it('gives empty labels when there are none', () => {
    const config = parseImageConfig(
      'c',
      json({
        architecture: 'amd64',
        os: 'linux',
        config: { Labels: null },
        rootfs: { type: 'layers', diff_ids: [] },
      }),
    );
    expect(imageLabels(config)).toEqual({});
  });

  it('rejects a config without rootfs', () => {
    expect(errorCode(() => parseImageConfig('c', json({ architecture: 'amd64', os: 'linux' })))).toBe(
      'WALT_ERR_IMAGE_MANIFEST_INVALID',
    );
  });
});
