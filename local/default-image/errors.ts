// Coded errors of the default node image (build, derive, push).
import { defineError } from '../../common/errors.js';

export const DefaultImageBuildFailed = defineError(
  'WALT_ERR_DEFAULT_IMAGE_BUILD_FAILED',
  (script: string, detail: string) =>
    `${script} failed (${detail}); its [default-image] lines above say which step (it needs root and a Debian mirror, see WALT_DEBIAN_MIRROR)`,
);

export const DefaultImageNoTag = defineError(
  'WALT_ERR_DEFAULT_IMAGE_NO_TAG',
  (layoutDir: string, tag: string) =>
    `the OCI layout ${layoutDir} has no manifest tagged "${tag}"; rebuild it (image.ts build) or pass an existing tag`,
  404,
);

export const DefaultImageBadExtraFile = defineError(
  'WALT_ERR_DEFAULT_IMAGE_BAD_EXTRA_FILE',
  (file: string) =>
    `extra file "${file}" must be an absolute path inside the image, without "." or ".." components`,
  400,
);

export const DefaultImagePushFailed = defineError(
  'WALT_ERR_DEFAULT_IMAGE_PUSH_FAILED',
  (destRef: string, detail: string) =>
    `skopeo could not push to ${destRef}: ${detail}; is the registry running and the reference host:port/name:tag?`,
  502,
);
