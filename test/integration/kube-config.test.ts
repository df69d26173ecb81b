// API calls through PooledKubeConfig reuse one TLS connection (the library alone opens one per call),
// still carry per-request headers (impersonation), and run concurrently; watches are unaffected.
import type { Socket } from 'node:net';
import * as k8s from '@kubernetes/client-node';
import { PooledKubeConfig } from '../../common/kube-config.js';
import { impersonating, kubeConfig } from './support/cluster.js';

/** The local ports of the connections `agent` handed back after requests (one per connection). */
function recordPorts(agent: { on(event: 'free', listener: (socket: Socket) => void): unknown }): Set<number> {
  const ports = new Set<number>();
  agent.on('free', (socket) => ports.add(socket.localPort ?? -1));
  return ports;
}

describe('PooledKubeConfig on a real API server', () => {
  it('sends sequential calls over one kept-alive connection', async () => {
    const kc = kubeConfig() as PooledKubeConfig;
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.readNamespace({ name: 'default' });
    expect(kc.agents()).toHaveLength(1);
    const ports = recordPorts(kc.agents()[0]!);
    for (let i = 0; i < 10; i++) await core.readNamespace({ name: 'default' });
    expect(ports.size).toBe(1);
    expect(kc.agents()).toHaveLength(1);
  });

  it('opens a connection per call without the pool (what it fixes)', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromDefault();
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const seen = new Set<unknown>();
    const apply = kc.applySecurityAuthentication.bind(kc);
    kc.applySecurityAuthentication = async (context) => {
      await apply(context);
      seen.add(context.getAgent());
    };
    for (let i = 0; i < 3; i++) await core.readNamespace({ name: 'default' });
    expect(seen.size).toBe(3);
  });

  it('keeps per-request headers: an impersonated service account is refused what it may not do', async () => {
    const kc = impersonating('walt-nobody');
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await expect(core.listNamespace()).rejects.toMatchObject({ code: 403 });
    // The identity travels in headers set per request, not in the kept-alive connection.
    const admin = kubeConfig().makeApiClient(k8s.CoreV1Api);
    await expect(admin.listNamespace()).resolves.toBeDefined();
  });

  it('serves concurrent calls', async () => {
    const kc = kubeConfig() as PooledKubeConfig;
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const results = await Promise.all(
      Array.from({ length: 30 }, () => core.readNamespace({ name: 'default' })),
    );
    expect(results.every((ns) => ns.metadata?.name === 'default')).toBe(true);
    expect(kc.agents()).toHaveLength(1);
  });
});
