import { versionAbove } from './version.js';

describe('versionAbove', () => {
  it('takes the nearest package.json that has a version', () => {
    const files: Record<string, string> = {
      '/pkg/package.json': '{"name":"walt-operator-cli","version":"1.2.3"}',
      '/pkg/dist/package.json': '{"type":"module"}',
    };
    expect(versionAbove('/pkg/dist/cli', (f) => files[f])).toBe('1.2.3');
  });

  it('says unknown when no package.json above has one', () => {
    expect(versionAbove('/a/b', () => undefined)).toBe('unknown');
  });
});
