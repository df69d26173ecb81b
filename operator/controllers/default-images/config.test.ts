import { codeOf } from '../../../test/support/error-code.js';
import { defaultImagesConfig } from './config.js';

describe('defaultImagesConfig', () => {
  it('is off without a repository', () => {
    expect(defaultImagesConfig({})).toBeUndefined();
    expect(defaultImagesConfig({ WALT_DEFAULT_IMAGE_REPOSITORY: ' ' })).toBeUndefined();
  });

  it('defaults the tag to latest and the registry to TLS', () => {
    expect(defaultImagesConfig({ WALT_DEFAULT_IMAGE_REPOSITORY: 'registry.example.org/walt' })).toEqual({
      repository: 'registry.example.org/walt',
      tag: 'latest',
      insecureRegistry: false,
    });
    expect(
      defaultImagesConfig({
        WALT_DEFAULT_IMAGE_REPOSITORY: '127.0.0.1:5000/walt',
        WALT_DEFAULT_IMAGE_TAG: 'bookworm',
        WALT_DEFAULT_IMAGE_INSECURE: 'true',
      }),
    ).toEqual({ repository: '127.0.0.1:5000/walt', tag: 'bookworm', insecureRegistry: true });
  });

  it.each([
    ['WALT_DEFAULT_IMAGE_REPOSITORY', 'http://registry/walt'],
    ['WALT_DEFAULT_IMAGE_REPOSITORY', 'registry/Walt'],
    ['WALT_DEFAULT_IMAGE_REPOSITORY', `${'a'.repeat(300)}/walt`],
    ['WALT_DEFAULT_IMAGE_TAG', 'v1 2'],
    ['WALT_DEFAULT_IMAGE_TAG', '-x'],
    ['WALT_DEFAULT_IMAGE_INSECURE', 'yes'],
  ])('refuses %s=%s with a coded error', (variable, value) => {
    const env = { WALT_DEFAULT_IMAGE_REPOSITORY: 'registry.example.org/walt', [variable]: value };
    expect(codeOf(() => defaultImagesConfig(env))).toBe('WALT_ERR_DEFAULT_IMAGES_CONFIG');
  });
});
