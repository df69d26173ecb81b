// Coded errors of the Raspberry Pi boot files (rpi-boot-files.ts).
import { defineError } from '../../common/errors.js';

export const RpiUnsafeArgument = defineError(
  'WALT_ERR_RPI_UNSAFE_ARGUMENT',
  (what: string, value: string) =>
    `${what} ${JSON.stringify(value.slice(0, 80))} is not one printable token: it cannot go into cmdline.txt; fix the node name, the export path or the segment`,
  422,
);

export const RpiImageFileTooLarge = defineError(
  'WALT_ERR_RPI_IMAGE_FILE_TOO_LARGE',
  (file: string, max: number) =>
    `the image's ${file} is larger than ${max} bytes: the firmware reads one short line (cmdline.txt) or a small text file (config.txt); shorten it in the image`,
  413,
);

export const RpiCmdlineTooLong = defineError(
  'WALT_ERR_RPI_CMDLINE_TOO_LONG',
  (length: number, max: number) =>
    `the generated cmdline.txt is ${length} bytes, more than the ${max} a Linux arm64 kernel command line holds: remove arguments from the image's cmdline.txt`,
  413,
);
