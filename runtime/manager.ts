// The composition root of the runtime: controllers, informers, leader election, the health server
// and metrics, with a graceful stop on SIGTERM/SIGINT. Informers run on every replica (a standby has a
// warm cache); controllers reconcile only while this replica leads.
import type * as k8s from '@kubernetes/client-node';
import type { Logger } from '../common/logger.js';
import { createController, type Controller, type ControllerOptions } from './controller.js';
import { ERR_ALREADY_STARTED } from './errors.js';
import { createHealthServer, type HealthServer, type Readiness } from './health.js';
import { createLeaderElector, type LeaderElector } from './leader-election.js';
import { createMetrics, type RuntimeMetrics } from './metrics.js';

export interface ManagerOptions {
  kc: k8s.KubeConfig;
  /** This replica (the pod name): lease holder and event reporting instance. */
  identity: string;
  leaderElection?: {
    namespace: string;
    name: string;
    leaseDurationMs?: number;
    renewDeadlineMs?: number;
    retryPeriodMs?: number;
  };
  /** Port of /healthz, /readyz and /metrics (0: any free port). */
  healthPort: number;
  healthHost?: string;
  logger: Logger;
  metrics?: RuntimeMetrics;
  /** Stop gracefully on SIGTERM and SIGINT (default true). */
  handleSignals?: boolean;
}

/** What addController takes: the controller options the manager does not fill in itself. */
export type ManagedControllerOptions<T extends k8s.KubernetesObject> = Omit<
  ControllerOptions<T>,
  'kc' | 'logger' | 'metrics'
> &
  Partial<Pick<ControllerOptions<T>, 'kc' | 'logger' | 'metrics'>>;

/** Something that must run on one replica only (a DHCP server on a segment): started while leading. */
export interface LeaderService {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface Manager {
  readonly metrics: RuntimeMetrics;
  addController<T extends k8s.KubernetesObject>(options: ManagedControllerOptions<T>): Controller<T>;
  /** Runs `service` while this replica leads (always, without leader election); stops it otherwise. */
  addLeaderService(name: string, service: LeaderService): void;
  /** Resolves once the leader services started so far are up (at once on a standby). */
  servicesStarted(): Promise<void>;
  start(): Promise<void>;
  /** Drains the queues, releases the lease (unless releaseLease is false), stops informers and the server. */
  stop(options?: { releaseLease?: boolean }): Promise<void>;
  readiness(): Readiness;
  isLeader(): boolean;
  /** The bound health port once started. */
  healthPort(): number | undefined;
}

class ControllerManager implements Manager {
  readonly metrics: RuntimeMetrics;
  private readonly controllers: Array<Controller<k8s.KubernetesObject>> = [];
  private readonly services: Array<{
    name: string;
    service: LeaderService;
    running: Promise<void> | undefined;
  }> = [];
  private readonly server: HealthServer;
  private readonly elector: LeaderElector | undefined;
  private readonly log: Logger;
  private started = false;
  private stopping: Promise<void> | undefined;
  private leading = false;
  private readonly onSignal = (signal: NodeJS.Signals): void => {
    this.log.info({ signal }, 'stopping on signal');
    void this.stop();
  };

  constructor(private readonly options: ManagerOptions) {
    this.metrics = options.metrics ?? createMetrics();
    this.log = options.logger.child({ identity: options.identity });
    this.server = createHealthServer({
      port: options.healthPort,
      host: options.healthHost,
      registry: this.metrics.registry,
      readiness: () => this.readiness(),
    });
    this.elector = options.leaderElection && this.makeElector(options.leaderElection);
    this.metrics.leader.set({ identity: options.identity }, this.elector ? 0 : 1);
  }

  private makeElector(config: NonNullable<ManagerOptions['leaderElection']>): LeaderElector {
    return createLeaderElector({
      ...config,
      kc: this.options.kc,
      identity: this.options.identity,
      logger: this.log,
      onStartedLeading: () => this.startLeading(),
      onStoppedLeading: () => this.stopLeading(),
    });
  }

  addController<T extends k8s.KubernetesObject>(options: ManagedControllerOptions<T>): Controller<T> {
    const controller = createController<T>({
      identity: this.options.identity,
      ...options,
      kc: options.kc ?? this.options.kc,
      logger: options.logger ?? this.log,
      metrics: options.metrics ?? this.metrics,
    });
    this.controllers.push(controller);
    if (this.started) void controller.startInformer();
    if (this.started && this.shouldReconcile()) controller.startWorkers();
    return controller;
  }

  addLeaderService(name: string, service: LeaderService): void {
    this.services.push({ name, service, running: undefined });
  }

  async start(): Promise<void> {
    if (this.started) throw ERR_ALREADY_STARTED('manager');
    this.started = true;
    const port = await this.server.listen();
    this.log.info({ port, leaderElection: this.elector !== undefined }, 'manager started');
    await Promise.all(this.controllers.map((c) => c.startInformer()));
    if (this.elector) this.elector.start();
    else this.startLeading();
    if (this.options.handleSignals !== false) {
      process.once('SIGTERM', this.onSignal);
      process.once('SIGINT', this.onSignal);
    }
  }

  stop(options: { releaseLease?: boolean } = {}): Promise<void> {
    this.stopping ??= this.shutdown(options.releaseLease !== false);
    return this.stopping;
  }

  private async shutdown(release: boolean): Promise<void> {
    process.off('SIGTERM', this.onSignal);
    process.off('SIGINT', this.onSignal);
    // Finish the work in hand while still holding the lease, then hand the lease over.
    await Promise.all(this.controllers.map((c) => c.stopWorkers()));
    await this.stopServices();
    if (this.elector) await this.elector.stop({ release });
    this.leading = false;
    await Promise.all(this.controllers.map((c) => c.stop()));
    await this.server.close();
    this.started = false;
    this.log.info('manager stopped');
  }

  readiness(): Readiness {
    const informers = Object.fromEntries(this.controllers.map((c) => [c.name, c.hasSynced()]));
    const synced = Object.values(informers).every(Boolean);
    const role = !this.elector ? 'single' : this.leading ? 'leader' : 'standby';
    const base = { role, informers } as const;
    if (!this.started || this.stopping) return { ...base, ready: false, reason: 'not running' };
    if (!synced) return { ...base, ready: false, reason: 'informers not synced yet' };
    if (role !== 'standby') return { ...base, ready: true, reason: `${role}: reconciling` };
    if (!this.elector?.healthy()) return { ...base, ready: false, reason: 'standby: cannot reach the lease' };
    return { ...base, ready: true, reason: `standby: lease held by ${this.elector.leader() ?? 'nobody'}` };
  }

  isLeader(): boolean {
    return this.leading;
  }

  healthPort(): number | undefined {
    return this.server.port();
  }

  private shouldReconcile(): boolean {
    return this.leading && this.stopping === undefined;
  }

  private startLeading(): void {
    this.leading = true;
    this.metrics.leader.set({ identity: this.options.identity }, 1);
    for (const c of this.controllers) c.startWorkers();
    for (const entry of this.services) {
      entry.running = entry.service.start().catch((error: unknown) => {
        this.log.error({ err: error, service: entry.name }, 'leader service failed to start');
      });
    }
  }

  /** Leader services started so far: resolves once each has started (failures are logged). */
  servicesStarted(): Promise<void> {
    return Promise.all(this.services.flatMap((s) => (s.running ? [s.running] : []))).then(() => undefined);
  }

  private async stopServices(): Promise<void> {
    for (const entry of [...this.services].reverse()) {
      if (!entry.running) continue;
      await entry.running;
      entry.running = undefined;
      await entry.service.stop().catch((error: unknown) => {
        this.log.error({ err: error, service: entry.name }, 'leader service failed to stop');
      });
    }
  }

  private async stopLeading(): Promise<void> {
    this.leading = false;
    this.metrics.leader.set({ identity: this.options.identity }, 0);
    // Another replica may start at once: stop promptly, leave queued keys to it.
    await Promise.all(this.controllers.map((c) => c.stopWorkers({ drain: false })));
    await this.stopServices();
  }
}

export function createManager(options: ManagerOptions): Manager {
  return new ControllerManager(options);
}
