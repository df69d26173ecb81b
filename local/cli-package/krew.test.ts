import { parse } from 'yaml';
import { krewManifest } from './krew.js';

describe('krewManifest', () => {
  it('describes one archive for linux and darwin, with its sha256, layout and entry file', () => {
    const text = krewManifest({
      version: '1.2.3',
      uri: 'https://example.test/walt-operator-cli-1.2.3.tgz',
      sha256: 'ab'.repeat(32),
      folder: 'package',
      bin: 'dist/cli/kubectl-main.js',
    });
    const manifest = parse(text) as Record<string, unknown>;
    expect(manifest).toMatchObject({
      apiVersion: 'krew.googlecontainertools.github.com/v1alpha2',
      kind: 'Plugin',
      metadata: { name: 'walt' },
      spec: { version: 'v1.2.3' },
    });
    const platforms = (manifest.spec as { platforms: unknown[] }).platforms;
    expect(platforms).toEqual(
      ['linux', 'darwin'].map((os) => ({
        selector: { matchLabels: { os } },
        uri: 'https://example.test/walt-operator-cli-1.2.3.tgz',
        sha256: 'ab'.repeat(32),
        files: [{ from: 'package/*', to: '.' }],
        bin: 'dist/cli/kubectl-main.js',
      })),
    );
  });
});
