import {
  baseMediaType,
  DOCKER_LAYER_GZIP,
  layerCompression,
  MANIFEST_ACCEPT,
  OCI_CONFIG,
  OCI_INDEX,
  OCI_LAYER_TAR,
  OCI_LAYER_ZSTD,
} from './media-types.js';

describe('media types', () => {
  it('knows how each supported layer type is compressed', () => {
    expect(layerCompression(OCI_LAYER_TAR)).toBe('none');
    expect(layerCompression(OCI_LAYER_ZSTD)).toBe('zstd');
    expect(layerCompression(DOCKER_LAYER_GZIP)).toBe('gzip');
    expect(layerCompression(OCI_CONFIG)).toBeUndefined();
  });

  it('asks for indexes and manifests of both families', () => {
    expect(MANIFEST_ACCEPT.split(', ')).toHaveLength(4);
    expect(MANIFEST_ACCEPT).toContain(OCI_INDEX);
  });

  it('strips parameters from a Content-Type', () => {
    expect(baseMediaType('Application/JSON; charset=utf-8')).toBe('application/json');
    expect(baseMediaType(null)).toBe('');
  });
});
