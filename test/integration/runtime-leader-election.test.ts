// Two replicas (two managers) on one Lease: one leads and reconciles, the other stands by; when the
// leader crashes (stops without releasing) the standby takes over once the lease expires; when the
// leader stops gracefully it releases the lease and the standby takes over at once.
// Also /healthz, /readyz (which role) and /metrics of both, over real HTTP.
import * as k8s from '@kubernetes/client-node';
import { silentLogger } from '../../common/logger.js';
import { createManager, type Manager } from '../../runtime/index.js';
import { eventually, images, waltImages, type WaltImageObject } from './runtime-support.js';
import { kubeConfig, testNamespace, uniqueName } from './support/cluster.js';

const LEASE_MS = 4000;

describe('operator runtime: leader election failover', () => {
  const kc = kubeConfig();
  const api = images(kc);
  const leases = kc.makeApiClient(k8s.CoordinationV1Api);
  const reconciledBy = new Map<string, Set<string>>();
  /** Replicas whose leader-only service (think: the segment's DHCP server) is running now. */
  const serving = new Set<string>();
  const managers: Manager[] = [];
  let ns: Awaited<ReturnType<typeof testNamespace>>;

  function replica(identity: string): Manager {
    const manager = createManager({
      kc,
      identity,
      leaderElection: {
        namespace: ns.name,
        name: 'walt-operator',
        leaseDurationMs: LEASE_MS,
        renewDeadlineMs: 3000,
        retryPeriodMs: 250,
      },
      healthPort: 0,
      healthHost: '127.0.0.1',
      logger: silentLogger(),
      handleSignals: false,
    });
    manager.addController<WaltImageObject>({
      name: 'failover-test',
      resource: waltImages,
      namespace: ns.name,
      reconcile: (obj) => {
        const name = obj.metadata!.name!;
        reconciledBy.set(name, (reconciledBy.get(name) ?? new Set()).add(identity));
        return Promise.resolve();
      },
    });
    manager.addLeaderService('dhcp-like', {
      start: () => Promise.resolve(void serving.add(identity)),
      stop: () => Promise.resolve(void serving.delete(identity)),
    });
    managers.push(manager);
    return manager;
  }

  const http = async (m: Manager, path: string): Promise<{ status: number; body: string }> => {
    const res = await fetch(`http://127.0.0.1:${m.healthPort()}${path}`);
    return { status: res.status, body: await res.text() };
  };
  const holder = async (): Promise<string | undefined> =>
    (await leases.readNamespacedLease({ namespace: ns.name, name: 'walt-operator' })).spec?.holderIdentity;

  beforeAll(async () => {
    ns = await testNamespace('rt-le');
  });
  afterAll(async () => {
    await Promise.all(managers.map((m) => m.stop()));
    await ns?.remove();
  });

  it('one replica leads and reconciles, the other stands by and does not', async () => {
    // Given replica a started first, then b
    const a = replica('replica-a');
    await a.start();
    await eventually('a leads', () => a.isLeader());
    const b = replica('replica-b');
    await b.start();
    // When an image is created
    const name = uniqueName('img');
    await api.create(ns.name, name);
    // Then a reconciles it, and b (whose informer sees it too) does not
    await eventually('a reconciled', () => reconciledBy.get(name)?.has('replica-a'));
    await eventually('b synced', () => b.readiness().informers['failover-test']);
    await new Promise((r) => setTimeout(r, 500));
    expect([...reconciledBy.get(name)!]).toEqual(['replica-a']);
    expect(b.isLeader()).toBe(false);
    // And only the leader runs the leader-only service
    expect([...serving]).toEqual(['replica-a']);
    expect(await holder()).toBe('replica-a');
  });

  it('serves /healthz, /readyz with the role, and /metrics on both replicas', async () => {
    const [a, b] = managers as [Manager, Manager];
    expect((await http(a, '/healthz')).status).toBe(200);
    // The leader is ready as leader; the standby is ready as a healthy standby and names the leader
    const readyA = await http(a, '/readyz');
    expect(readyA.status).toBe(200);
    expect(JSON.parse(readyA.body)).toMatchObject({ ready: true, role: 'leader' });
    const readyB = await eventually('b ready', async () => {
      const r = await http(b, '/readyz');
      return r.status === 200 ? r : undefined;
    });
    expect(JSON.parse(readyB.body)).toMatchObject({
      ready: true,
      role: 'standby',
      reason: 'standby: lease held by replica-a',
    });
    // Metrics: leadership, reconciles, queue depth and the process defaults
    const metrics = (await http(a, '/metrics')).body;
    expect(metrics).toContain('walt_leader{identity="replica-a"} 1');
    expect(metrics).toMatch(/walt_reconcile_total\{controller="failover-test",result="success"\} [1-9]/);
    expect(metrics).toContain('walt_workqueue_depth{controller="failover-test"} 0');
    expect(metrics).toContain('walt_reconcile_duration_seconds_bucket');
    expect(metrics).toContain('process_cpu_user_seconds_total');
    expect((await http(b, '/metrics')).body).toContain('walt_leader{identity="replica-b"} 0');
  });

  it('when the leader crashes (no release), the standby takes over once the lease expires', async () => {
    const [a, b] = managers as [Manager, Manager];
    // When a stops without releasing the lease, as a crash would
    const crashedAt = Date.now();
    await a.stop({ releaseLease: false });
    // Then b leads within the lease duration (plus generous slack), and reconciles new objects
    await eventually('b leads', () => b.isLeader(), LEASE_MS + 10_000);
    const tookOver = Date.now() - crashedAt;
    expect(tookOver).toBeLessThan(LEASE_MS + 10_000);
    expect(await holder()).toBe('replica-b');
    await eventually('b serves', () => serving.has('replica-b'));
    const name = uniqueName('img');
    await api.create(ns.name, name);
    await eventually('b reconciled', () => reconciledBy.get(name)?.has('replica-b'));
    expect(reconciledBy.get(name)?.has('replica-a')).toBe(false);
  });

  it('when the leader stops gracefully it releases the lease and the standby takes over at once', async () => {
    // Given c standing by behind leader b
    const b = managers[1]!;
    const c = replica('replica-c');
    await c.start();
    await eventually('c synced', () => c.readiness().ready);
    expect(c.isLeader()).toBe(false);
    // When b stops gracefully
    await b.stop();
    const stoppedAt = Date.now();
    // Then c leads well before b's lease would have expired, and reconciles
    await eventually('c leads', () => c.isLeader(), LEASE_MS + 10_000);
    expect(Date.now() - stoppedAt).toBeLessThan(LEASE_MS - 500);
    const name = uniqueName('img');
    await api.create(ns.name, name);
    await eventually('c reconciled', () => reconciledBy.get(name)?.has('replica-c'));
  });
});
