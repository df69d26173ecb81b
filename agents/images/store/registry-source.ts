// Binds the registry client and the unpacker to the shapes the pull orchestration needs.
import type { Logger } from '../../../common/logger.js';
import { InvalidManifest, type RegistryClient } from '../../../oci/index.js';
import { applyLayer } from '../unpack/index.js';
import type { LayerApplier, PullSource } from './pull.js';

export function registrySource(client: RegistryClient, ref: string): PullSource {
  return {
    async getManifest(digest) {
      const document = await client.getManifest(ref, digest);
      if (document.kind !== 'manifest')
        throw InvalidManifest(`${ref}@${digest}`, 'expected a platform manifest, got an index');
      return document.manifest;
    },
    fetchBlob: (descriptor, destination, onProgress) =>
      client.fetchBlob(ref, descriptor, destination, onProgress),
  };
}

export function layerApplier(logger: Logger): LayerApplier {
  return (rootfs, layer, mediaType) => applyLayer(rootfs, layer, { mediaType, logger });
}
