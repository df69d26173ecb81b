import { defineError } from '../common/errors.js';
import { reasonOf } from './reasons.js';

describe('reasonOf', () => {
  it.each([
    ['WALT_ERR_IMAGE_DIGEST_MISMATCH', 'DigestMismatch'],
    ['WALT_ERR_REGISTRY_UNREACHABLE', 'RegistryUnreachable'],
    ['WALT_ERR_UNPACK_PATH_ESCAPE', 'UnpackPathEscape'],
  ] as const)('%s → %s', (code, reason) => {
    expect(reasonOf(defineError(code, () => 'x')())).toBe(reason);
  });

  it('calls anything else Error', () => {
    expect(reasonOf(new Error('boom'))).toBe('Error');
  });
});
