import type { WaltImage, WaltNode, WaltSegment } from '../../api/v1alpha1/index.js';
import { decideBoot, imageRefOf, withRootfsCache, type BootView } from './gate.js';

const digest = 'sha256:' + 'd'.repeat(64);
const amd64 = 'sha256:' + 'a'.repeat(64);
const arm64 = 'sha256:' + 'b'.repeat(64);

const segment = { metadata: { name: 'lab' }, spec: {} } as WaltSegment;
const node = (name: string, spec: Partial<WaltNode['spec']>): WaltNode =>
  ({
    metadata: { name },
    spec: { mac: '52:54:00:00:00:01', model: 'pc-x86-64', segment: 'lab', image: 'default', ...spec },
  }) as WaltNode;
const image = (status: Partial<NonNullable<WaltImage['status']>>): WaltImage =>
  ({
    metadata: { name: 'pc-x86-64-default', namespace: 'walt-system' },
    spec: { ref: 'x' },
    status,
  }) as WaltImage;
const unpacked = (manifests: string[]): NonNullable<WaltImage['status']>['segments'] => [
  {
    segment: 'lab',
    digest,
    manifests,
    conditions: [
      {
        type: 'Unpacked',
        status: 'True',
        reason: 'Unpacked',
        message: '',
        lastTransitionTime: '2026-11-27T00:00:00Z',
      },
    ],
  },
];

function view(nodes: WaltNode[], images: WaltImage[]): BootView {
  return {
    segment: (name) => (name === 'lab' ? segment : undefined),
    nodeByMac: (mac) => nodes.find((n) => n.spec.mac === mac),
    image: (namespace, name) =>
      images.find((i) => i.metadata.namespace === namespace && i.metadata.name === name),
    rootfsOf: (m) =>
      m === amd64
        ? { path: '/cache/amd64/rootfs', platform: 'linux/amd64' }
        : m === arm64
          ? { path: '/cache/arm64/rootfs', platform: 'linux/arm64' }
          : undefined,
  };
}

describe('the netboot gate', () => {
  const ready = image({ digest, models: ['pc-x86-64', 'rpi-4-b'], segments: unpacked([amd64, arm64]) });

  it('lets a known node boot its image: rootfs and /boot/<model>/ of its platform', () => {
    const decision = decideBoot(
      { segment: 'lab', mac: '52:54:00:00:00:01' },
      view([node('vn1', {})], [ready]),
    );
    expect(decision).toMatchObject({
      allow: true,
      model: 'pc-x86-64',
      image: { namespace: 'walt-system', name: 'pc-x86-64-default', digest, manifestDigest: amd64 },
      rootfs: '/cache/amd64/rootfs',
      bootDir: '/cache/amd64/rootfs/boot/pc-x86-64',
    });
  });

  it('picks the arm64 rootfs of a multi-arch image for a Raspberry Pi 4, matching MACs in any case', () => {
    const rpi = node('rpi', {
      mac: 'dc:a6:32:01:02:03',
      model: 'rpi-4-b',
      image: 'walt-system/pc-x86-64-default',
    });
    const decision = decideBoot({ segment: 'lab', mac: 'DC-A6-32-01-02-03' }, view([rpi], [ready]));
    expect(decision).toMatchObject({ allow: true, bootDir: '/cache/arm64/rootfs/boot/rpi-4-b' });
  });

  it.each([
    [
      'an unknown segment',
      { segment: 'nope', mac: '52:54:00:00:00:01' },
      [node('vn1', {})],
      [ready],
      'UnknownSegment',
    ],
    [
      'an unknown MAC',
      { segment: 'lab', mac: '52:54:00:00:00:99' },
      [node('vn1', {})],
      [ready],
      'UnknownNode',
    ],
    [
      'a node of another segment',
      { segment: 'lab', mac: '52:54:00:00:00:01' },
      [node('vn1', { segment: 'other' })],
      [ready],
      'OtherSegment',
    ],
    [
      'a missing image',
      { segment: 'lab', mac: '52:54:00:00:00:01' },
      [node('vn1', { image: 'team/none' })],
      [ready],
      'NoImage',
    ],
    [
      'an image without the model',
      { segment: 'lab', mac: '52:54:00:00:00:01' },
      [node('vn1', {})],
      [image({ digest, models: ['rpi-4-b'], segments: unpacked([arm64]) })],
      'ModelNotSupported',
    ],
    [
      'an image not unpacked here',
      { segment: 'lab', mac: '52:54:00:00:00:01' },
      [node('vn1', {})],
      [image({ digest, models: ['pc-x86-64'] })],
      'ImageNotReady',
    ],
    [
      'an image unpacked for another platform only',
      { segment: 'lab', mac: '52:54:00:00:00:01' },
      [node('vn1', {})],
      [image({ digest, models: ['pc-x86-64'], segments: unpacked([arm64]) })],
      'ImageNotReady',
    ],
  ] as const)('refuses %s', (...row) => {
    const [, request, nodes, images, reason] = row;
    const decision = decideBoot(request, view([...nodes], [...images]));
    expect(decision).toMatchObject({ allow: false, reason });
  });

  it('reads "default" as the model default image and "<namespace>/<name>" as a WaltImage', () => {
    expect(imageRefOf(node('a', {}))).toEqual({ namespace: 'walt-system', name: 'pc-x86-64-default' });
    expect(imageRefOf(node('a', { image: 'team/debian' }))).toEqual({ namespace: 'team', name: 'debian' });
  });

  it("boots a claimed node into its claim's image, not its spec's", () => {
    // Given a node whose spec boots the default image, claimed by an experiment on team/debian
    const claimed = node('vn1', {});
    claimed.status = { claimedBy: { namespace: 'team', name: 'exp1', image: 'team/debian' } };
    const debian = { ...ready, metadata: { name: 'debian', namespace: 'team' } } as WaltImage;
    // When it netboots, the gate answers with the claim's image
    expect(
      decideBoot({ segment: 'lab', mac: '52:54:00:00:00:01' }, view([claimed], [ready, debian])),
    ).toMatchObject({ allow: true, image: { namespace: 'team', name: 'debian' } });
    // (a claim naming a WaltImage that is gone says what to do about the claim, not the spec)
    const gone = decideBoot({ segment: 'lab', mac: '52:54:00:00:00:01' }, view([claimed], [ready]));
    expect(gone).toMatchObject({ allow: false, reason: 'NoImage' });
    expect(gone.allow ? '' : gone.message).toContain('end the experiment that claims the node');
    // And once the claim goes away, with the spec's again
    claimed.status = {};
    expect(
      decideBoot({ segment: 'lab', mac: '52:54:00:00:00:01' }, view([claimed], [ready, debian])),
    ).toMatchObject({ allow: true, image: { namespace: 'walt-system', name: 'pc-x86-64-default' } });
  });
});

describe('withRootfsCache', () => {
  it('Given repeated questions within the TTL, then the view is asked once; after it, again', () => {
    let asked = 0;
    let clock = 0;
    const base: BootView = {
      segment: () => segment,
      nodeByMac: () => undefined,
      image: () => undefined,
      rootfsOf: () => {
        asked += 1;
        return asked === 1 ? undefined : { path: '/rootfs', platform: 'linux/amd64' };
      },
    };
    const cached = withRootfsCache(base, 1000, () => clock);
    expect(cached.rootfsOf(amd64)).toBeUndefined();
    clock = 999;
    expect(cached.rootfsOf(amd64)).toBeUndefined();
    expect(asked).toBe(1);
    clock = 1000;
    expect(cached.rootfsOf(amd64)).toEqual({ path: '/rootfs', platform: 'linux/amd64' });
    expect(asked).toBe(2);
    expect(cached.segment('lab')).toBe(segment);
  });
});
