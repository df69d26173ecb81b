// Coded errors of the default-images controller.
import { defineError } from '../../../common/errors.js';

export const DefaultImagesConfigInvalid = defineError(
  'WALT_ERR_DEFAULT_IMAGES_CONFIG',
  (variable: string, why: string) =>
    `${variable}: ${why}; fix the operator's environment (the chart's defaultImages.* values)`,
  400,
);
