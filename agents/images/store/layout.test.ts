import { cacheLayout, digestParts } from './layout.js';

describe('cache layout', () => {
  const hex = 'ab'.repeat(32);

  it('addresses blobs and images by digest', () => {
    const layout = cacheLayout('/cache');
    expect(layout.blob(`sha256:${hex}`)).toBe(`/cache/blobs/sha256/${hex}`);
    expect(layout.rootfs(`sha256:${hex}`)).toBe(`/cache/images/sha256/${hex}/rootfs`);
  });

  it.each(['sha256:../../etc', `sha256:${hex}/..`, 'md5:abc', `SHA256:${hex}`, ''])(
    'refuses %j as a digest',
    (bad) => {
      expect(() => digestParts(bad)).toThrow('not a valid digest');
    },
  );
});
