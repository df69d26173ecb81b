// Coded errors of the container image build (images/build.ts and its steps).
import { defineError } from '../common/errors.js';

export const ImagesBadRegistry = defineError(
  'WALT_ERR_IMAGES_BAD_REGISTRY',
  (registry: string) =>
    `registry "${registry.slice(0, 80)}" is not host or host:port (e.g. 127.0.0.1:5000); give the registry only, without scheme or path`,
  400,
);

export const ImagesBadTag = defineError(
  'WALT_ERR_IMAGES_BAD_TAG',
  (tag: string) =>
    `tag "${tag.slice(0, 80)}" is not an OCI tag: use 1 to 128 letters, digits, "_", "." or "-", not starting with "." or "-"`,
  400,
);

export const ImagesStepFailed = defineError(
  'WALT_ERR_IMAGES_STEP_FAILED',
  (step: string, detail: string) =>
    `image build step "${step}" failed (${detail}); the [images] lines above say where. It needs root, buildah (local/install-deps.sh) and the Debian and npm registries`,
  500,
);

export const ImagesNodeMismatch = defineError(
  'WALT_ERR_IMAGES_NODE_MISMATCH',
  (want: string, have: string) =>
    `the images carry Node.js ${want} but this checkout's native modules were built by Node.js ${have}; run the build with Node.js ${want.split('.')[0]} (npm ci with it first)`,
  409,
);

export const ImagesNativeModuleMissing = defineError(
  'WALT_ERR_IMAGES_NATIVE_MODULE_MISSING',
  (file: string, detail: string) =>
    `the native module ${file} is not usable (${detail}); run \`npm ci\` in the checkout so that its build for this Node.js exists`,
  409,
);
