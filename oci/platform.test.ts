import type { Descriptor } from './manifest.js';
import { DOCKER_MANIFEST, OCI_MANIFEST } from './media-types.js';
import { offeredPlatforms, platformForModel, selectManifest, type Platform } from './platform.js';

function entry(name: string, platform?: Platform, mediaType = OCI_MANIFEST): Descriptor {
  return { mediaType, digest: `sha256:${name.padEnd(64, '0')}`, size: 1, ...(platform ? { platform } : {}) };
}

const AMD64 = entry('a1', { os: 'linux', architecture: 'amd64' });
const ARM64 = entry('a2', { os: 'linux', architecture: 'arm64', variant: 'v8' });
const ARM64_PLAIN = entry('a3', { os: 'linux', architecture: 'arm64' });
const ARMV7 = entry('a4', { os: 'linux', architecture: 'arm', variant: 'v7' });
const ARMV6 = entry('a5', { os: 'linux', architecture: 'arm', variant: 'v6' });
const ARM_PLAIN = entry('a6', { os: 'linux', architecture: 'arm' });
const ATTESTATION = entry('a7', { os: 'unknown', architecture: 'unknown' });
const WINDOWS = entry('a8', { os: 'windows', architecture: 'amd64' });

describe('selectManifest', () => {
  const cases: Array<[string, Descriptor[], Platform, Descriptor | undefined]> = [
    ['amd64', [ATTESTATION, ARM64, AMD64], { os: 'linux', architecture: 'amd64' }, AMD64],
    ['arm64 matches variant v8', [AMD64, ARM64], { os: 'linux', architecture: 'arm64' }, ARM64],
    ['arm64 matches no variant', [AMD64, ARM64_PLAIN], { os: 'linux', architecture: 'arm64' }, ARM64_PLAIN],
    [
      'arm64/v8 wanted matches no variant',
      [ARM64_PLAIN],
      { os: 'linux', architecture: 'arm64', variant: 'v8' },
      ARM64_PLAIN,
    ],
    ['arm/v7 does not take arm/v6', [ARMV6], { os: 'linux', architecture: 'arm', variant: 'v7' }, undefined],
    [
      'arm/v6 does not take arm/v7',
      [ARMV7, ARM_PLAIN],
      { os: 'linux', architecture: 'arm', variant: 'v6' },
      undefined,
    ],
    ['arm/v6 among several', [ARMV7, ARMV6], { os: 'linux', architecture: 'arm', variant: 'v6' }, ARMV6],
    [
      'arm with no variant is v7',
      [ARMV6, ARM_PLAIN],
      { os: 'linux', architecture: 'arm', variant: 'v7' },
      ARM_PLAIN,
    ],
    ['the os must match', [WINDOWS], { os: 'linux', architecture: 'amd64' }, undefined],
    ['attestations are never picked', [ATTESTATION], { os: 'unknown', architecture: 'unknown' }, undefined],
    [
      'docker manifest lists work too',
      [entry('b1', { os: 'linux', architecture: 'amd64' }, DOCKER_MANIFEST)],
      { os: 'linux', architecture: 'amd64' },
      entry('b1', { os: 'linux', architecture: 'amd64' }, DOCKER_MANIFEST),
    ],
    [
      'entries without platform are skipped',
      [entry('c1')],
      { os: 'linux', architecture: 'amd64' },
      undefined,
    ],
  ];

  it.each(cases)('%s', (_name, manifests, wanted, expected) => {
    expect(selectManifest(manifests, wanted)).toEqual(expected);
  });

  it('lists what an index offers for error messages', () => {
    expect(offeredPlatforms([AMD64, ARMV7, ATTESTATION])).toEqual(['linux/amd64', 'linux/arm/v7']);
  });
});

describe('platformForModel', () => {
  it.each([
    ['pc-x86-64', { os: 'linux', architecture: 'amd64' }],
    ['rpi-4-b', { os: 'linux', architecture: 'arm64' }],
    ['rpi-3-b', { os: 'linux', architecture: 'arm', variant: 'v7' }],
    ['rpi-b', { os: 'linux', architecture: 'arm', variant: 'v6' }],
  ] as const)('%s runs %j', (model, platform) => {
    expect(platformForModel(model)).toEqual(platform);
  });
});
