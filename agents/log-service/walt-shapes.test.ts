import { nodeFixture, imageFixture } from '../../test/support/fixtures/http-boot.js';
import { DEFAULT_IMAGE_NAMESPACE } from '../netboot/gate.js';
import { prefersTextErrors } from './text-errors.js';
import { imagesInUse, toWaltImage, toWaltNode, waltFullname } from './walt-shapes.js';

describe('WalT JSON shapes', () => {
  it('names images as WalT does, default images under waltplatform', () => {
    expect(waltFullname('lab', 'debian')).toBe('lab/debian:latest');
    expect(waltFullname(DEFAULT_IMAGE_NAMESPACE, 'pc-x86-64-default')).toBe(
      'waltplatform/pc-x86-64-default:latest',
    );
  });

  it('shapes a physical node without status', () => {
    const node = nodeFixture('pc1', 'AA-BB-CC-DD-EE-FF', 'lab', 'default');
    expect(toWaltNode(node)).toEqual({
      name: 'pc1',
      model: 'pc-x86-64',
      virtual: false,
      image: 'waltplatform/pc-x86-64-default:latest',
      booted: false,
      ip: null,
      mac: 'aa:bb:cc:dd:ee:ff',
      config: {},
    });
  });

  it('renders virtual settings in WalT syntax', () => {
    const node = nodeFixture('vn', '52:54:00:00:00:09', 'lab');
    node.spec.virtual = {
      cpus: 4,
      memory: '2Gi',
      networks: [{ name: 'walt-net', bandwidth: '100Mbps' }],
    };
    expect(toWaltNode(node)).toMatchObject({
      virtual: true,
      ram: '2G',
      'cpu.cores': 4,
      disks: 'none',
      networks: 'walt-net[bw=100Mbps]',
      'boot.delay': '0',
    });
  });

  it('leaves unresolved images out and tells which are in use', () => {
    const inUse = imagesInUse([nodeFixture('a', '52:54:00:00:00:01', 'lab', 'lab/debian')]);
    expect(inUse).toEqual(new Set(['lab/debian']));
    // A node an experiment claims boots (and uses) the claim's image
    const claimed = nodeFixture('b', '52:54:00:00:00:02', 'lab', 'lab/debian');
    claimed.status = { claimedBy: { namespace: 'lab', name: 'exp1', image: 'lab/exp' } };
    expect(imagesInUse([claimed])).toEqual(new Set(['lab/exp']));
    expect(toWaltNode(claimed)).toMatchObject({ image: 'lab/exp:latest' });
    const image = imageFixture('lab/debian', 'lab', []);
    delete image.status?.digest;
    expect(toWaltImage(image, inUse)).toBeUndefined();
    image.status = { ...image.status, digest: `sha256:${'d'.repeat(64)}` };
    expect(toWaltImage(image, inUse)).toMatchObject({ in_use: true, user: 'lab', id: 'd'.repeat(64) });
  });

  it('recognises Prefer: errors=text-only among other preferences', () => {
    expect(prefersTextErrors('errors=text-only')).toBe(true);
    expect(prefersTextErrors('respond-async, errors = text-only')).toBe(true);
    expect(prefersTextErrors(['wait=5', 'errors=text-only'])).toBe(true);
    expect(prefersTextErrors('errors=json')).toBe(false);
    expect(prefersTextErrors(undefined)).toBe(false);
  });
});
