import { parse } from 'yaml';
import { renderKubeconfig } from './kubeconfig.js';

describe('renderKubeconfig', () => {
  it('writes one cluster, user and context, selected as current', () => {
    const config = parse(
      renderKubeconfig({
        server: 'https://127.0.0.1:6443',
        caCert: '/p/ca.crt',
        clientCert: '/p/admin.crt',
        clientKey: '/p/admin.key',
        user: 'walt-admin',
        context: 'walt-testbed',
      }),
    ) as Record<string, unknown>;
    expect(config).toEqual({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'walt-testbed',
          cluster: { server: 'https://127.0.0.1:6443', 'certificate-authority': '/p/ca.crt' },
        },
      ],
      users: [
        { name: 'walt-admin', user: { 'client-certificate': '/p/admin.crt', 'client-key': '/p/admin.key' } },
      ],
      contexts: [{ name: 'walt-testbed', context: { cluster: 'walt-testbed', user: 'walt-admin' } }],
      'current-context': 'walt-testbed',
    });
  });
});
