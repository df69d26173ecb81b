// Two replicas (two managers) on one Lease: one leads and reconciles, the other stands by; when the
// leader crashes (stops without releasing) the standby takes over only once the lease expired; when the
// leader stops gracefully it releases the lease and the standby takes over before it would have
// expired. Both are checked on the Lease object itself (holder, renewTime, leaseDurationSeconds,
// acquireTime, leaseTransitions): a standby that took a live lease (split brain) fails, however fast the
// machine; no duration of the test's own is compared with anything. Also /healthz, /readyz (which
// role) and /metrics of both, over real HTTP.
import * as k8s from '@kubernetes/client-node';
import { silentLogger } from '../../common/logger.js';
import { type Controller, createManager, type Manager } from '../../runtime/index.js';
import { eventually, images, waltImages, type WaltImageObject } from './runtime-support.js';
import { kubeConfig, testNamespace, uniqueName } from './support/cluster.js';

const LEASE_MS = 4000;
/**
 * The lease the last leader holds before it stops gracefully: so long that a standby taking over
 * before it expires can only have been let in by the release (a 4 s lease could expire on its own
 * while a slow machine gets to the takeover).
 */
const LONG_LEASE_MS = 30_000;

/** When a lease expires, from its own fields (ms since epoch). */
function expiryOf(lease: k8s.V1Lease): number {
  const renewed = new Date(lease.spec!.renewTime!).getTime();
  return renewed + lease.spec!.leaseDurationSeconds! * 1000;
}

/** When its holder acquired it, from its own acquireTime (ms since epoch). */
function acquiredAt(lease: k8s.V1Lease): number {
  return new Date(lease.spec!.acquireTime!).getTime();
}

describe('operator runtime: leader election failover', () => {
  const kc = kubeConfig();
  const api = images(kc);
  const leases = kc.makeApiClient(k8s.CoordinationV1Api);
  const reconciledBy = new Map<string, Set<string>>();
  /** Replicas whose leader-only service (think: the segment's DHCP server) is running now. */
  const serving = new Set<string>();
  const managers: Manager[] = [];
  const controllers = new Map<string, Controller<WaltImageObject>>();
  let ns: Awaited<ReturnType<typeof testNamespace>>;

  function replica(identity: string, leaseDurationMs = LEASE_MS): Manager {
    const manager = createManager({
      kc,
      identity,
      leaderElection: {
        namespace: ns.name,
        name: 'walt-operator',
        leaseDurationMs,
        renewDeadlineMs: 3000,
        retryPeriodMs: 250,
      },
      healthPort: 0,
      healthHost: '127.0.0.1',
      logger: silentLogger(),
      handleSignals: false,
    });
    const controller = manager.addController<WaltImageObject>({
      name: 'failover-test',
      resource: waltImages,
      namespace: ns.name,
      reconcile: (obj) => {
        const name = obj.metadata!.name!;
        reconciledBy.set(name, (reconciledBy.get(name) ?? new Set()).add(identity));
        return Promise.resolve();
      },
    });
    controllers.set(identity, controller);
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
  const lease = (): Promise<k8s.V1Lease> =>
    leases.readNamespacedLease({ namespace: ns.name, name: 'walt-operator' });
  const holder = async (): Promise<string | undefined> => (await lease()).spec?.holderIdentity;
  /** Polls `replica` until it leads; the time it was first seen leading. */
  const leadingSince = (name: string, m: Manager, timeoutMs: number): Promise<number> =>
    eventually(`${name} leads`, () => (m.isLeader() ? Date.now() : undefined), timeoutMs);

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
    // Then a reconciles it, and b, whose informer holds it too (it saw the object), does not
    await eventually('a reconciled', () => reconciledBy.get(name)?.has('replica-a'));
    await eventually('b synced', () => b.readiness().informers['failover-test']);
    await eventually("the object in b's informer", () =>
      controllers
        .get('replica-b')!
        .informer.list()
        .some((o) => o.metadata?.name === name),
    );
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

  it('when the leader crashes (no release), the standby takes over only after the lease expired', async () => {
    const [a, b] = managers as [Manager, Manager];
    // When a stops without releasing the lease, as a crash would
    await a.stop({ releaseLease: false });
    // Then the lease is left as a last renewed it, still naming a
    const left = await lease();
    expect(left.spec?.holderIdentity).toBe('replica-a');
    const expired = expiryOf(left);
    // And b takes it, acquiring it (its own acquireTime, and when it was first seen leading) no
    // earlier than a's last renewTime + leaseDurationSeconds: no split brain while a's lease ran
    const seenLeading = await leadingSince('b', b, LEASE_MS + 30_000);
    const taken = await lease();
    expect(taken.spec?.holderIdentity).toBe('replica-b');
    expect(taken.spec?.leaseTransitions).toBe((left.spec?.leaseTransitions ?? 0) + 1);
    expect({
      msAcquiredBeforeExpiry: Math.max(0, expired - acquiredAt(taken)),
      msSeenLeadingBeforeExpiry: Math.max(0, expired - seenLeading),
    }).toEqual({ msAcquiredBeforeExpiry: 0, msSeenLeadingBeforeExpiry: 0 });
    // And b runs the leader-only service and reconciles new objects
    await eventually('b serves', () => serving.has('replica-b'));
    const name = uniqueName('img');
    await api.create(ns.name, name);
    await eventually('b reconciled', () => reconciledBy.get(name)?.has('replica-b'));
    expect(reconciledBy.get(name)?.has('replica-a')).toBe(false);
  });

  it('when the leader stops gracefully it releases the lease and the standby takes over before it would have expired', async () => {
    // Given d leading on a long lease, c standing by (b, the crash test's leader, steps aside first)
    const b = managers[1]!;
    const d = replica('replica-d', LONG_LEASE_MS);
    await d.start();
    await b.stop();
    await leadingSince('d', d, LEASE_MS + 30_000);
    const c = replica('replica-c');
    await c.start();
    await eventually('c synced', () => c.readiness().ready);
    expect(c.isLeader()).toBe(false);
    const held = await lease();
    expect(held.spec).toMatchObject({
      holderIdentity: 'replica-d',
      leaseDurationSeconds: LONG_LEASE_MS / 1000,
    });
    // When d stops gracefully
    const stopping = Date.now();
    await d.stop();
    // Then c acquires the lease after d began to stop (never while d led), and before d's lease
    // would have expired: only the release let it in
    await leadingSince('c', c, LONG_LEASE_MS + 20_000);
    const taken = await lease();
    expect(taken.spec?.holderIdentity).toBe('replica-c');
    expect({
      msAcquiredBeforeStopping: Math.max(0, stopping - acquiredAt(taken)),
      acquiredBeforeHeldLeaseExpiry: acquiredAt(taken) < expiryOf(held),
    }).toEqual({ msAcquiredBeforeStopping: 0, acquiredBeforeHeldLeaseExpiry: true });
    const name = uniqueName('img');
    await api.create(ns.name, name);
    await eventually('c reconciled', () => reconciledBy.get(name)?.has('replica-c'));
  });
});
