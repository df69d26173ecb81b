// Coded refusals of the layer unpacker. Every one means "this image is refused": the caller deletes the
// partial root filesystem and reports the code on the WaltImage.
import { defineError } from '../../../common/errors.js';

const refused = 'the image is refused';

export const UnpackPathEscape = defineError(
  'WALT_ERR_UNPACK_PATH_ESCAPE',
  (entry: string) => `layer entry "${entry}" points outside the root filesystem: ${refused}`,
  422,
);

export const UnpackSymlinkEscape = defineError(
  'WALT_ERR_UNPACK_SYMLINK_ESCAPE',
  (entry: string, link: string) =>
    `layer entry "${entry}" would be written through symlink "${link}", which leads outside the root filesystem: ${refused}`,
  422,
);

export const UnpackHardlinkEscape = defineError(
  'WALT_ERR_UNPACK_HARDLINK_ESCAPE',
  (entry: string, target: string) =>
    `hard link "${entry}" targets "${target}", outside the root filesystem: ${refused}`,
  422,
);

export const UnpackDeviceNode = defineError(
  'WALT_ERR_UNPACK_DEVICE_NODE',
  (entry: string, type: string) =>
    `layer entry "${entry}" is a ${type}; device nodes are not allowed in node images: ${refused}`,
  422,
);

export const UnpackEntryTooLarge = defineError(
  'WALT_ERR_UNPACK_ENTRY_TOO_LARGE',
  (entry: string, limit: number) =>
    `layer entry "${entry}" is larger than the ${limit}-byte limit per file (limits.maxEntrySize): ${refused}`,
  413,
);

export const UnpackTooLarge = defineError(
  'WALT_ERR_UNPACK_TOO_LARGE',
  (entry: string, limit: number) =>
    `layer exceeds the ${limit}-byte limit (limits.maxTotalSize) at entry "${entry}": ${refused}`,
  413,
);

export const UnpackTooManyEntries = defineError(
  'WALT_ERR_UNPACK_TOO_MANY_ENTRIES',
  (entry: string, limit: number) =>
    `layer has more than ${limit} entries (limits.maxEntries), reached at "${entry}": ${refused}`,
  413,
);

export const UnpackBadArchive = defineError(
  'WALT_ERR_UNPACK_BAD_ARCHIVE',
  (entry: string, reason: string) => `layer is not a valid archive at "${entry}" (${reason}): ${refused}`,
  422,
);

export const UnpackUnsupportedMediaType = defineError(
  'WALT_ERR_UNPACK_UNSUPPORTED_MEDIA_TYPE',
  (mediaType: string) =>
    `layer media type "${mediaType}" is not supported (use tar, tar+gzip or tar+zstd layers): ${refused}`,
  415,
);
