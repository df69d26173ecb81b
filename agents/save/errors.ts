// Coded errors of `walt node save` (ADR 0021). Every answer is `{ error: <code>, message }`; the message
// says what to do. Tests assert on codes only.
import { defineError } from '../../common/errors.js';

export const SaveBadRequest = defineError(
  'WALT_ERR_SAVE_BAD_REQUEST',
  (detail: string) => `bad node save request: ${detail}`,
  400,
);

export const SaveNoBaseImage = defineError(
  'WALT_ERR_SAVE_NO_BASE_IMAGE',
  (node: string, detail: string) =>
    `cannot save node ${node}: ${detail}; boot the node on an image this agent has unpacked, then save it`,
  409,
);

export const SaveBaseChanged = defineError(
  'WALT_ERR_SAVE_BASE_CHANGED',
  (node: string, booted: string, current: string) =>
    `node ${node} booted image ${booted}, but its WaltImage now resolves to ${current} and the agent keeps only the latter: reboot the node (its changes are lost) or point the WaltImage back to ${booted}`,
  409,
);

export const SaveUnsupportedOverlay = defineError(
  'WALT_ERR_SAVE_UNSUPPORTED_OVERLAY',
  (entry: string, what: string) =>
    `the node's overlay holds ${entry} with ${what}, which an OCI layer cannot express: mount the overlay without redirect_dir/metacopy (the project's /walt/init does)`,
  422,
);

export const SaveBadArchive = defineError(
  'WALT_ERR_SAVE_BAD_ARCHIVE',
  (detail: string) => `the archive the node uploaded is not a valid tar of its overlay: ${detail}`,
  400,
);

export const SaveTooLarge = defineError(
  'WALT_ERR_SAVE_TOO_LARGE',
  (maxBytes: number) =>
    `the node's changes are larger than ${maxBytes} bytes (uncompressed): remove what the image does not need (caches, logs) or raise the agent's save limit`,
  413,
);

export const SaveUploadUnknown = defineError(
  'WALT_ERR_SAVE_UPLOAD_UNKNOWN',
  (node: string) =>
    `node ${node} has no save upload open under this id and secret (it expired, was used, or never existed): only the agent's own save command may upload`,
  404,
);

export const SaveNotUploaded = defineError(
  'WALT_ERR_SAVE_NOT_UPLOADED',
  (node: string, detail: string) =>
    `node ${node} did not upload its overlay: ${detail}. The node needs perl (perl-base) and GNU tar with --xattrs; install them in the image`,
  502,
);

export const SaveBusy = defineError(
  'WALT_ERR_SAVE_BUSY',
  (node: string) => `node ${node} is being saved already: wait for that save to end`,
  409,
);
