import path from 'node:path';
import { isWaltError } from '../../common/errors.js';
import {
  discoveryCacheDir,
  expectedResources,
  kubectlCacheRoot,
  missingFromDiscovery,
  type ApiResourceList,
} from './discovery.js';
import { DiscoveryCacheOutside } from './errors.js';

const crd = (kind: string, plural: string, served = true): unknown => ({
  kind: 'CustomResourceDefinition',
  spec: {
    group: 'walt.dev',
    names: { kind, plural, categories: ['walt'] },
    versions: [{ name: 'v1alpha1', served }],
  },
});

describe('expectedResources', () => {
  it('lists the served versions of CRD documents and ignores other documents', () => {
    expect(
      expectedResources([
        crd('WaltNode', 'waltnodes'),
        crd('Old', 'olds', false),
        { kind: 'Namespace' },
        null,
      ]),
    ).toEqual([
      { group: 'walt.dev', version: 'v1alpha1', kind: 'WaltNode', plural: 'waltnodes', categories: ['walt'] },
    ]);
  });
});

describe('missingFromDiscovery', () => {
  const expected = expectedResources([crd('WaltNode', 'waltnodes'), crd('WaltImage', 'waltimages')]);
  const list = (...names: [string, string, string[]][]): ApiResourceList => ({
    resources: names.map(([name, kind, categories]) => ({ name, kind, categories })),
  });

  it('is empty when the group version and the category listing show every kind', () => {
    const lists = {
      'walt.dev/v1alpha1': list(['waltnodes', 'WaltNode', ['walt']], ['waltimages', 'WaltImage', ['walt']]),
    };
    expect(missingFromDiscovery(expected, lists, ['waltnodes.walt.dev', 'waltimages.walt.dev', ''])).toEqual(
      [],
    );
  });

  it('names a kind the group version lacks, lists without its category, or kubectl does not list', () => {
    expect(missingFromDiscovery(expected, {}, [])).toEqual(['waltnodes.walt.dev', 'waltimages.walt.dev']);
    const lists = {
      'walt.dev/v1alpha1': list(['waltnodes', 'WaltNode', []], ['waltimages', 'WaltImage', ['walt']]),
    };
    expect(missingFromDiscovery(expected, lists, ['waltnodes.walt.dev', 'waltimages.walt.dev'])).toEqual([
      'waltnodes.walt.dev',
    ]);
    const complete = {
      'walt.dev/v1alpha1': list(['waltnodes', 'WaltNode', ['walt']], ['waltimages', 'WaltImage', ['walt']]),
    };
    expect(missingFromDiscovery(expected, complete, ['waltnodes.walt.dev'])).toEqual(['waltimages.walt.dev']);
  });
});

describe('discoveryCacheDir', () => {
  it('names the directory as kubectl does: no scheme, ":" and other characters as "_"', () => {
    expect(discoveryCacheDir('/c', 'https://127.0.0.1:43157')).toBe(
      path.resolve('/c/discovery/127.0.0.1_43157'),
    );
    expect(discoveryCacheDir('/c', 'http://[::1]:6443')).toBe(path.resolve('/c/discovery/___1__6443'));
    expect(discoveryCacheDir('/c', 'https://h.example/k8s/clusters/c-1')).toBe(
      path.resolve('/c/discovery/h.example/k8s/clusters/c_1'),
    );
  });

  it('refuses a server whose path leaves the cache directory', () => {
    for (const server of ['https://../../etc', 'https://h/../../x', '..']) {
      let error: unknown;
      try {
        discoveryCacheDir('/c', server);
      } catch (e) {
        error = e;
      }
      expect(isWaltError(error, DiscoveryCacheOutside)).toBe(true);
    }
  });
});

describe('kubectlCacheRoot', () => {
  it('is $KUBECACHEDIR, else ~/.kube/cache', () => {
    expect(kubectlCacheRoot({ KUBECACHEDIR: '/k' }, '/home/u')).toBe('/k');
    expect(kubectlCacheRoot({}, '/home/u')).toBe('/home/u/.kube/cache');
  });
});
