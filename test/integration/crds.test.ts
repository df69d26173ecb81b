// The CRDs installed by global setup are Established on the real apiserver and discoverable.
import * as k8s from '@kubernetes/client-node';
import { crdName, KINDS } from '../../api/v1alpha1/index.js';
import { kubeConfig, kubectl } from './support/cluster.js';

describe('walt.dev CRDs on a real kube-apiserver', () => {
  const api = kubeConfig().makeApiClient(k8s.ApiextensionsV1Api);

  it.each(KINDS.map((k) => [k.kind, k] as const))(
    '%s is Established with names accepted',
    async (_, kind) => {
      const crd = await api.readCustomResourceDefinition({ name: crdName(kind) });
      const conditions = Object.fromEntries((crd.status?.conditions ?? []).map((c) => [c.type, c.status]));
      expect(conditions).toMatchObject({ Established: 'True', NamesAccepted: 'True' });
      expect(crd.status?.acceptedNames?.shortNames).toEqual(kind.shortNames);
      expect(crd.status?.acceptedNames?.categories).toEqual(['walt']);
    },
  );

  it('lists the four kinds under the walt category, with short names', async () => {
    const result = await kubectl(['api-resources', '--api-group=walt.dev', '--no-headers']);
    expect(result.code).toBe(0);
    const rows = result.stdout
      .trim()
      .split('\n')
      .map((line) => line.split(/\s+/));
    expect(rows.map((r) => [r[0], r[1]]).sort()).toEqual([
      ['experiments', 'exp'],
      ['waltimages', 'wi'],
      ['waltnodes', 'wn'],
      ['waltsegments', 'ws'],
    ]);
  });
});
