import type { PlatformImage } from '../../oci/index.js';
import { permanentFailureWait, platformsToPull } from './controller.js';

const digest = 'sha256:' + 'a'.repeat(64);
const platform = (name: string): PlatformImage => ({
  platform: name,
  manifestDigest: `sha256:${name.length.toString().repeat(64)}`,
  manifest: {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'x', digest, size: 1 },
    layers: [],
  },
});

describe('platformsToPull', () => {
  const both = [platform('linux/amd64'), platform('linux/arm64')];

  it('keeps the platforms of the image models', () => {
    expect(platformsToPull(both, ['rpi-4-b']).map((p) => p.platform)).toEqual(['linux/arm64']);
    expect(platformsToPull(both, ['pc-x86-64', 'rpi-5-b']).map((p) => p.platform)).toEqual([
      'linux/amd64',
      'linux/arm64',
    ]);
  });

  it('pulls every platform when none matches (a label that names no board of its architecture)', () => {
    expect(platformsToPull([platform('linux/amd64')], ['rpi-4-b']).map((p) => p.platform)).toEqual([
      'linux/amd64',
    ]);
  });
});

describe('permanentFailureWait', () => {
  const failedAt = '2026-11-27T10:00:00Z';
  const entry = (reason: string) => ({
    segment: 'lab',
    digest,
    conditions: [
      { type: 'Pulled', status: 'False' as const, reason, message: 'x', lastTransitionTime: failedAt },
    ],
  });
  const at = (iso: string): number => Date.parse(iso);

  it('holds back a digest that failed for good, for five minutes', () => {
    expect(permanentFailureWait(entry('DigestMismatch'), digest, at('2026-11-27T10:01:00Z'))).toBe(4 * 60000);
    expect(permanentFailureWait(entry('DigestMismatch'), digest, at('2026-11-27T10:06:00Z'))).toBe(0);
  });

  it('retries transient failures and other digests at once', () => {
    expect(permanentFailureWait(entry('RegistryUnreachable'), digest, at('2026-11-27T10:01:00Z'))).toBe(0);
    expect(
      permanentFailureWait(entry('DigestMismatch'), 'sha256:' + 'b'.repeat(64), at('2026-11-27T10:01:00Z')),
    ).toBe(0);
  });
});
