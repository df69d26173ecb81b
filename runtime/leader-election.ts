// Lease-based leader election (coordination.k8s.io/v1), in the spirit of client-go's leaderelection:
// - a candidate takes the Lease when it is free (no holder) or expired (renewTime + leaseDuration past);
// - the leader renews every retryPeriod and steps down when it could not renew for renewDeadline;
// - every write is a replace carrying the resourceVersion read, so two candidates never both win;
// - stop() releases the Lease (holder cleared) so a standby takes over at once, unless told not to.
import * as k8s from '@kubernetes/client-node';
import type { Logger } from '../common/logger.js';
import { microTime } from './events.js';
import { describeError, statusCodeOf } from './resource.js';

export interface LeaderElectionOptions {
  kc: k8s.KubeConfig;
  namespace: string;
  /** Lease name. */
  name: string;
  identity: string;
  /** How long a Lease holds without renewal (default 15 s; whole seconds in the Lease). */
  leaseDurationMs?: number;
  /** The leader steps down if it could not renew for this long (default 10 s, < leaseDuration). */
  renewDeadlineMs?: number;
  /** Period of acquire and renew attempts (default 2 s). */
  retryPeriodMs?: number;
  logger: Logger;
  /** Runs when this replica starts leading; `signal` aborts when it stops. */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  onStoppedLeading(): void | Promise<void>;
  /** Called when the observed holder changes (undefined: free). */
  onNewLeader?(identity: string | undefined): void;
}

export interface LeaderElector {
  /** Starts campaigning (resolves at once). */
  start(): void;
  /** Stops campaigning; releases the Lease unless `release` is false (a crash, in tests). */
  stop(options?: { release?: boolean }): Promise<void>;
  isLeader(): boolean;
  /** The holder last observed, if any. */
  leader(): string | undefined;
  /** The campaign is running and the Lease API answered within leaseDuration. */
  healthy(): boolean;
}

/** When a lease held by another expires (ms since epoch), or undefined when it is free. Pure. */
export function leaseExpiry(spec: k8s.V1LeaseSpec | undefined): number | undefined {
  if (!spec?.holderIdentity) return undefined;
  const renew = spec.renewTime ?? spec.acquireTime;
  if (!renew) return undefined;
  // client-node returns MicroTime as it came (a string) though it is typed Date: new Date() takes both.
  const renewedAt = new Date(renew).getTime();
  return renewedAt + (spec.leaseDurationSeconds ?? 0) * 1000;
}

/** May `identity` take or renew this lease at `now`? Pure. */
export function canAcquire(spec: k8s.V1LeaseSpec | undefined, identity: string, now: number): boolean {
  if (!spec?.holderIdentity || spec.holderIdentity === identity) return true;
  const expiry = leaseExpiry(spec);
  return expiry === undefined || expiry <= now;
}

class LeaseElector implements LeaderElector {
  private readonly api: k8s.CoordinationV1Api;
  private readonly leaseMs: number;
  private readonly deadlineMs: number;
  private readonly retryMs: number;
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private leading: AbortController | undefined;
  private lastRenew = 0;
  private lastContact = 0;
  private observedHolder: string | undefined;
  private lease: k8s.V1Lease | undefined;
  private cycle: Promise<void> = Promise.resolve();

  constructor(private readonly options: LeaderElectionOptions) {
    this.api = options.kc.makeApiClient(k8s.CoordinationV1Api);
    this.leaseMs = options.leaseDurationMs ?? 15_000;
    this.deadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryMs = options.retryPeriodMs ?? 2_000;
    this.log = options.logger.child({
      lease: `${options.namespace}/${options.name}`,
      identity: options.identity,
    });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.lastContact = Date.now();
    this.tick();
  }

  async stop(options: { release?: boolean } = {}): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.cycle;
    const wasLeading = this.leading !== undefined;
    if (wasLeading && options.release !== false) await this.release();
    if (wasLeading) await this.stepDown('stopped');
  }

  isLeader(): boolean {
    return this.leading !== undefined;
  }

  leader(): string | undefined {
    return this.observedHolder;
  }

  healthy(): boolean {
    return this.running && Date.now() - this.lastContact < this.leaseMs;
  }

  private tick(): void {
    this.cycle = this.attempt().finally(() => {
      if (this.running) this.timer = setTimeout(() => this.tick(), this.retryMs);
    });
  }

  private async attempt(): Promise<void> {
    let ok = false;
    try {
      ok = await this.tryAcquireOrRenew();
      this.lastContact = Date.now();
    } catch (err) {
      this.log.warn({ err: describeError(err), code: statusCodeOf(err) }, 'lease request failed');
    }
    if (!this.running) return;
    if (ok) {
      this.lastRenew = Date.now();
      if (!this.leading) this.becomeLeader();
    } else if (this.leading && Date.now() - this.lastRenew > this.deadlineMs) {
      await this.stepDown('could not renew the lease within renewDeadline');
    }
  }

  /** One round: read the lease, then create, take, renew or leave it. True when we hold it after. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity } = this.options;
    const now = Date.now();
    const existing = await this.read();
    this.observe(existing?.spec?.holderIdentity);
    if (!existing)
      return this.write(() =>
        this.api.createNamespacedLease({ namespace, body: this.desired(undefined, now) }),
      );
    if (!canAcquire(existing.spec, identity, now)) return false;
    const body = this.desired(existing, now);
    return this.write(() => this.api.replaceNamespacedLease({ namespace, name, body }));
  }

  private async read(): Promise<k8s.V1Lease | undefined> {
    const { namespace, name } = this.options;
    try {
      return await this.api.readNamespacedLease({ namespace, name });
    } catch (err) {
      if (statusCodeOf(err) === 404) return undefined;
      throw err;
    }
  }

  /** A create or replace; a 409 means another candidate wrote first (we lost this round). */
  private async write(call: () => Promise<k8s.V1Lease>): Promise<boolean> {
    try {
      this.lease = await call();
      this.observe(this.lease.spec?.holderIdentity);
      return true;
    } catch (err) {
      if (statusCodeOf(err) === 409) return false;
      throw err;
    }
  }

  private desired(existing: k8s.V1Lease | undefined, now: number): k8s.V1Lease {
    const spec = existing?.spec ?? {};
    const same = spec.holderIdentity === this.options.identity;
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { ...existing?.metadata, name: this.options.name, namespace: this.options.namespace },
      spec: {
        holderIdentity: this.options.identity,
        leaseDurationSeconds: Math.max(1, Math.ceil(this.leaseMs / 1000)),
        acquireTime: same && spec.acquireTime ? spec.acquireTime : microTime(new Date(now)),
        renewTime: microTime(new Date(now)),
        leaseTransitions: (spec.leaseTransitions ?? 0) + (same || !existing ? 0 : 1),
      },
    };
  }

  private observe(holder: string | undefined): void {
    const next = holder || undefined;
    if (next === this.observedHolder) return;
    this.observedHolder = next;
    this.log.info({ leader: next }, next ? 'new leader observed' : 'lease is free');
    this.options.onNewLeader?.(next);
  }

  private becomeLeader(): void {
    const controller = new AbortController();
    this.leading = controller;
    this.log.info('started leading');
    void Promise.resolve()
      .then(() => this.options.onStartedLeading(controller.signal))
      .catch((err: unknown) => this.log.error({ err }, 'onStartedLeading failed'));
  }

  private async stepDown(why: string): Promise<void> {
    const controller = this.leading;
    if (!controller) return;
    this.leading = undefined;
    this.log.warn({ why }, 'stopped leading');
    controller.abort();
    try {
      await this.options.onStoppedLeading();
    } catch (err) {
      this.log.error({ err }, 'onStoppedLeading failed');
    }
  }

  /** Clears the holder so a standby need not wait for the lease to expire. */
  private async release(): Promise<void> {
    const lease = this.lease;
    if (!lease?.spec) return;
    const { namespace, name } = this.options;
    const body: k8s.V1Lease = {
      ...lease,
      spec: {
        ...lease.spec,
        holderIdentity: undefined,
        leaseDurationSeconds: 1,
        renewTime: microTime(new Date()),
      },
    };
    try {
      await this.api.replaceNamespacedLease({ namespace, name, body });
      this.log.info('released the lease');
    } catch (err) {
      this.log.warn({ err: describeError(err), code: statusCodeOf(err) }, 'could not release the lease');
    }
  }
}

export function createLeaderElector(options: LeaderElectionOptions): LeaderElector {
  if ((options.renewDeadlineMs ?? 10_000) >= (options.leaseDurationMs ?? 15_000)) {
    throw new RangeError('renewDeadlineMs must be shorter than leaseDurationMs');
  }
  return new LeaseElector(options);
}
