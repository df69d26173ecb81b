// Coded errors of image authoring (build, shell, publish, clone, …): the builder tools, registry
// credentials and WalT's image conventions. Each message says what to do.
import { defineError } from '../../common/errors.js';

export const ERR_IMAGE_TOOL_MISSING = defineError(
  'WALT_ERR_IMAGE_TOOL_MISSING',
  (tool: string) =>
    `${tool} is not installed on this machine: walt builds images client side (docs/adr/0020), install it (apt-get install ${tool})`,
  400,
);

export const ERR_IMAGE_TOOL_FAILED = defineError(
  'WALT_ERR_IMAGE_TOOL_FAILED',
  (step: string, detail: string) => `${step} failed: ${detail}`,
  502,
);

export const ERR_IMAGE_BAD_REF = defineError(
  'WALT_ERR_IMAGE_BAD_REF',
  (ref: string, why: string) =>
    `"${ref}" is not an image reference to push to (${why}): write <registry>/<repository>:<tag>, e.g. registry.example.org/me/debian:1`,
  400,
);

export const ERR_IMAGE_BAD_NAME = defineError(
  'WALT_ERR_IMAGE_BAD_NAME',
  (name: string) =>
    `"${name}" is not an image name: lower-case letters, digits and "-" only, at most 63 characters, not "default"`,
  400,
);

export const ERR_IMAGE_CONVENTIONS = defineError(
  'WALT_ERR_IMAGE_CONVENTIONS',
  (image: string, missing: readonly string[]) =>
    `image ${image} does not follow WalT's conventions, missing: ${missing.join('; ')} (set LABEL walt.node.models=<model,...> and provide /boot/<model>/ for each model)`,
  422,
);

export const ERR_IMAGE_CREDENTIALS = defineError(
  'WALT_ERR_IMAGE_CREDENTIALS',
  (source: string, detail: string) =>
    `cannot use registry credentials from ${source}: ${detail} (a kubernetes.io/dockerconfigjson Secret, or a docker config.json file)`,
  400,
);

export const ERR_IMAGE_SHELL_FAILED = defineError(
  'WALT_ERR_IMAGE_SHELL_FAILED',
  (image: string, detail: string) => `the shell in image ${image} could not start: ${detail}`,
  502,
);

export const ERR_IMAGE_TOO_LARGE = defineError(
  'WALT_ERR_IMAGE_TOO_LARGE',
  (what: string, limit: string) => `${what} is larger than ${limit}: refusing to read it`,
  413,
);
