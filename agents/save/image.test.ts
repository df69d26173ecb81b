import { computeDigest } from '../../oci/index.js';
import { DOCKER_LAYER_GZIP, DOCKER_MANIFEST, OCI_LAYER_GZIP, OCI_MANIFEST } from '../../oci/index.js';
import { codeOf } from '../../test/support/error-code.js';
import { SaveNoBaseImage } from './errors.js';
import { SAVE_HISTORY, savedImage } from './image.js';

const baseConfig = Buffer.from(
  JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: { Labels: { 'walt.node.models': 'pc-x86-64' }, Entrypoint: ['/bin/sh'] },
    rootfs: { type: 'layers', diff_ids: ['sha256:' + 'a'.repeat(64)] },
    history: [{ created_by: 'debootstrap' }],
  }),
);
const layer = { digest: 'sha256:' + 'c'.repeat(64), size: 321, diffId: 'sha256:' + 'd'.repeat(64) };
const now = new Date('2026-12-05T20:00:00Z');

describe('savedImage: the base image plus the saved layer', () => {
  it('keeps the base config, adds the diff_id and a history entry, lists the base layers then the new one', () => {
    // Given an OCI base of one layer
    const base = {
      config: baseConfig,
      layers: [{ mediaType: OCI_LAYER_GZIP, digest: 'sha256:' + 'b'.repeat(64), size: 10 }],
    };
    // When the saved image is made
    const image = savedImage('vn1', base, layer, now);
    // Then the config is the base's with one more layer and the history of the save
    const config = JSON.parse(image.config.toString()) as {
      config: unknown;
      rootfs: { diff_ids: string[] };
      history: unknown[];
    };
    expect(config.config).toEqual({ Labels: { 'walt.node.models': 'pc-x86-64' }, Entrypoint: ['/bin/sh'] });
    expect(config.rootfs.diff_ids).toEqual(['sha256:' + 'a'.repeat(64), layer.diffId]);
    expect(config.history.at(-1)).toEqual({
      created: now.toISOString(),
      created_by: SAVE_HISTORY,
      comment: 'saved from node vn1',
    });
    // And the manifest names that exact config and both layers, in the OCI family
    const manifest = JSON.parse(image.manifest.toString()) as { config: unknown; layers: unknown[] };
    expect(image.manifestMediaType).toBe(OCI_MANIFEST);
    expect(manifest.config).toMatchObject({ digest: computeDigest(image.config), size: image.config.length });
    expect(manifest.layers).toEqual([
      base.layers[0],
      { mediaType: OCI_LAYER_GZIP, digest: layer.digest, size: layer.size },
    ]);
  });

  it('stays in the Docker family when the base is a Docker image', () => {
    const base = {
      config: baseConfig,
      layers: [{ mediaType: DOCKER_LAYER_GZIP, digest: 'sha256:' + 'b'.repeat(64), size: 10 }],
    };
    const image = savedImage('vn1', base, layer, now);
    expect(image.manifestMediaType).toBe(DOCKER_MANIFEST);
    expect(image.layerMediaType).toBe(DOCKER_LAYER_GZIP);
  });

  it('refuses a base config it cannot extend', () => {
    const broken = { config: Buffer.from('{"rootfs":{}}'), layers: [] };
    expect(codeOf(() => savedImage('vn1', broken, layer, now))).toBe(SaveNoBaseImage.code);
    expect(codeOf(() => savedImage('vn1', { config: Buffer.from('nope'), layers: [] }, layer, now))).toBe(
      SaveNoBaseImage.code,
    );
  });
});
