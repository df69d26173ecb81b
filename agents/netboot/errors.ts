// Coded errors of the netboot helpers shared by the boot services (u-boot script images).
import { defineError } from '../../common/errors.js';

export const UbootImageInvalid = defineError(
  'WALT_ERR_UBOOT_IMAGE_INVALID',
  (reason: string) =>
    `not a u-boot script image the agent makes or reads (${reason}): make it with "mkimage -T script" or the agent's encoder`,
  400,
);

export const UbootUnsafeValue = defineError(
  'WALT_ERR_UBOOT_UNSAFE_VALUE',
  (what: string, value: string) =>
    `${what} "${value}" cannot go into a u-boot script (quotes, "$", ";", spaces or control characters): rename it`,
  400,
);
