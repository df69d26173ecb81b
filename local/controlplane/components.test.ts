import { launchOf } from './components.js';
import type { InstanceState } from './instance.js';

const state = (ephemeral: boolean): InstanceState => ({
  name: 'unit',
  dir: '/state/unit',
  binDir: '/bin-dir',
  ephemeral,
  ports: { etcdClient: 2379, etcdPeer: 2380, apiserver: 6443, controllerManager: 10257 },
  pids: {},
  pki: {
    caCert: '/p/ca.crt',
    caKey: '/p/ca.key',
    apiserverCert: '/p/apiserver.crt',
    apiserverKey: '/p/apiserver.key',
    adminCert: '/p/admin.crt',
    adminKey: '/p/admin.key',
    controllerManagerCert: '/p/cm.crt',
    controllerManagerKey: '/p/cm.key',
    serviceAccountKey: '/p/sa.key',
    serviceAccountPub: '/p/sa.pub',
  },
  kubeconfig: '/state/unit/kubeconfig',
  server: 'https://127.0.0.1:6443',
  startedAt: '2026-11-27T00:00:00Z',
});

describe('control-plane command lines', () => {
  it('wires the apiserver to etcd, its certificates and RBAC on its own port', () => {
    const { binary, args, health } = launchOf('kube-apiserver', state(false));
    expect(binary).toBe('/bin-dir/kube-apiserver');
    expect(args).toEqual(
      expect.arrayContaining([
        '--etcd-servers=http://127.0.0.1:2379',
        '--secure-port=6443',
        '--bind-address=127.0.0.1',
        '--authorization-mode=RBAC',
        '--client-ca-file=/p/ca.crt',
        '--service-account-signing-key-file=/p/sa.key',
      ]),
    );
    expect(health).toEqual({ url: 'https://127.0.0.1:6443/readyz', caFile: '/p/ca.crt' });
  });

  it('keeps the apiserver on loopback with no kubernetes-Service endpoints by default', () => {
    const { args } = launchOf('kube-apiserver', state(false));
    expect(args).toEqual(
      expect.arrayContaining(['--advertise-address=127.0.0.1', '--endpoint-reconciler-type=none']),
    );
  });

  it('binds and advertises a given private address, whose endpoint the kubernetes Service then gets', () => {
    const { args, health } = launchOf('kube-apiserver', { ...state(true), address: '172.30.78.1' });
    expect(args).toEqual(
      expect.arrayContaining(['--bind-address=172.30.78.1', '--advertise-address=172.30.78.1']),
    );
    expect(args.some((a) => a.startsWith('--endpoint-reconciler-type'))).toBe(false);
    expect(health.url).toBe('https://172.30.78.1:6443/readyz');
  });

  it('skips etcd fsync only for throwaway (test) instances', () => {
    expect(launchOf('etcd', state(true)).args).toContain('--unsafe-no-fsync=true');
    expect(launchOf('etcd', state(false)).args).not.toContain('--unsafe-no-fsync=true');
  });

  it('gives the controller manager the service-account signing key and its own kubeconfig', () => {
    const { args } = launchOf('kube-controller-manager', state(false));
    expect(args).toEqual(
      expect.arrayContaining([
        '--kubeconfig=/state/unit/controller-manager.kubeconfig',
        '--service-account-private-key-file=/p/sa.key',
        '--secure-port=10257',
        '--leader-elect=false',
      ]),
    );
  });
});
