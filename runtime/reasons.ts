// Condition reasons from coded errors: WALT_ERR_IMAGE_DIGEST_MISMATCH → DigestMismatch,
// WALT_ERR_REGISTRY_UNREACHABLE → RegistryUnreachable, WALT_ERR_UNPACK_PATH_ESCAPE → UnpackPathEscape.
import { isWaltError } from '../common/errors.js';

export function reasonOf(error: unknown): string {
  if (!isWaltError(error)) return 'Error';
  const words = error.code
    .replace(/^WALT_ERR_(IMAGE_)?/, '')
    .toLowerCase()
    .split('_');
  return words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
