// The agent's DHCP service: runs the DHCP server for its WaltSegment with the settings in the segment's
// spec (restarting it when they change), registers unknown WalT nodes as WaltNodes when the segment
// allows auto-registration (capped and rate limited, auto-register.ts), deletes discovered nodes that
// never booted, and reports the agent heartbeat and leases in use in the segment's status.
import { DISCOVERED_LABEL } from '../../api/node/index.js';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import { isNodeModel } from '../../api/v1alpha1/node-models.js';
import { isNodeMac } from '../../api/v1alpha1/fields.js';
import { API_VERSION, RESOURCES, type WaltNode, type WaltSegment } from '../../api/v1alpha1/index.js';
import type { Logger } from '../../common/logger.js';
import { counterIn } from '../../common/metrics.js';
import { createStatusWriter, rfc3339, type StatusWriter } from '../../runtime/index.js';
import type { Cache, CacheView } from '../netboot/informer-boot-view.js';
import { followSegment, type SegmentFollower } from '../netboot/segment-follower.js';
import { normaliseMac } from '../netboot/gate.js';
import { autoRegisterLimitsOf, isPendingDiscovered, Registrar, staleDiscovered } from './auto-register.js';
import type { DiscoveredDevice } from './responder.js';
import { LeaseNotifier } from './lease-notifier.js';
import { createDhcpServer, type DhcpServer } from './server.js';

const HEARTBEAT_MS = 30_000;
/** Lease changes reach the segment status at most this often (a boot storm binds hundreds at once). */
const LEASE_REPORT_MS = 2_000;
/** A node created here counts as pending until the cache shows it, at most this long. */
const RECENT_MS = 5 * 60_000;
/** Discovered nodes are looked at for collection at most this often (and at least every forgetAfter / 4). */
const COLLECT_MAX_MS = 10 * 60_000;

export interface DhcpServiceOptions {
  kc: k8s.KubeConfig;
  segment: string;
  segments: Cache<WaltSegment>;
  view: CacheView;
  leasesFile: string;
  logger: Logger;
  metrics: Registry;
  /** Ports instead of 67 and 4011 (tests). */
  ports?: { server: number; proxy: number };
}

export interface DhcpService {
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * The MAC of the bound, unexpired lease on `ip` (TFTP and HTTP identify clients by their address): an
   * offer, an expired or a released lease identifies nobody.
   */
  macOfIp(ip: string): string | undefined;
  /** The address leased to `mac` (NFS exports /persist to a node's address only). */
  ipOfMac(mac: string): string | undefined;
  /**
   * Called when the address of a MAC may have changed: after a lease is bound to a new address, and
   * once the server has (re)loaded its leases. Renewals of a bound address do not call it; a burst of
   * changes calls it at once, then at most once a second (lease-notifier.ts).
   */
  onLeaseChange(listener: () => void): void;
}

/** WalT's name for a discovered node: its model family and the last three bytes of its MAC. */
export function discoveredNodeName(mac: string): string {
  return `node-${mac.toLowerCase().split(':').slice(3).join('')}`;
}

export function discoveredNode(device: DiscoveredDevice, segment: string): WaltNode | undefined {
  // A multicast or zero MAC is refused by the schema: do not ask the apiserver for each such packet.
  if (!device.model || !isNodeModel(device.model) || !isNodeMac(device.mac)) return undefined;
  return {
    apiVersion: API_VERSION,
    kind: 'WaltNode',
    metadata: { name: discoveredNodeName(device.mac), labels: { [DISCOVERED_LABEL]: 'true' } },
    spec: { mac: device.mac.toLowerCase(), model: device.model, segment } as WaltNode['spec'],
  };
}

class Service implements DhcpService {
  private server: DhcpServer | undefined;
  private generation: number | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private reportTimer: NodeJS.Timeout | undefined;
  /** MACs being registered right now. */
  private readonly registering = new Set<string>();
  /** Nodes created here (MAC → name and when), until the cache shows them: they count as pending. */
  private readonly recent = new Map<string, { name: string; at: number }>();
  private registrar: Registrar | undefined;
  private collectTimer: NodeJS.Timeout | undefined;
  private collecting = false;
  private readonly registrations;
  private readonly notifier = new LeaseNotifier();
  private readonly api: k8s.CustomObjectsApi;
  private follower: SegmentFollower | undefined;

  private readonly statusWriter: StatusWriter<WaltSegment>;

  constructor(private readonly options: DhcpServiceOptions) {
    this.api = options.kc.makeApiClient(k8s.CustomObjectsApi);
    this.statusWriter = createStatusWriter<WaltSegment>({
      kc: options.kc,
      resource: RESOURCES.segment,
      fieldManager: `walt-agent-${options.segment}`,
      logger: options.logger,
    });
    this.registrations = counterIn(options.metrics, {
      name: 'walt_dhcp_autoregister_total',
      help: 'Auto-registration of discovered devices by result (created, exists, capped, rate-limited, failed, collected)',
      labelNames: ['result'] as const,
    });
  }

  async start(): Promise<void> {
    await mkdir(path.dirname(this.options.leasesFile), { recursive: true });
    this.follower = followSegment(
      this.options.segments,
      this.options.segment,
      (segment) => this.apply(segment),
      (error) => this.options.logger.error({ err: error }, 'could not apply the segment settings to DHCP'),
    );
    await this.follower.started;
    this.heartbeat = setInterval(() => void this.report().catch(() => undefined), HEARTBEAT_MS);
    this.scheduleCollect();
  }

  async stop(): Promise<void> {
    clearInterval(this.heartbeat);
    clearTimeout(this.reportTimer);
    clearTimeout(this.collectTimer);
    this.collectTimer = undefined;
    this.notifier.stop();
    await this.follower?.settled();
    await this.server?.stop();
    this.server = undefined;
  }

  ipOfMac(mac: string): string | undefined {
    // Leases are keyed by the normalised MAC (the responder's key): a lookup, not a scan.
    return this.server?.leases().leases.get(normaliseMac(mac))?.ip;
  }

  onLeaseChange(listener: () => void): void {
    this.notifier.add(listener);
  }

  macOfIp(ip: string): string | undefined {
    // A few hundred leases at most on a segment: a scan is cheaper than keeping an index in step.
    return this.server?.macOfIp(ip);
  }

  private async apply(segment: WaltSegment): Promise<void> {
    if (segment.metadata.generation === this.generation && this.server) return;
    this.generation = segment.metadata.generation;
    // forgetAfter may have changed: the next collection follows it.
    if (this.collectTimer) {
      clearTimeout(this.collectTimer);
      this.scheduleCollect();
    }
    await this.server?.stop();
    this.server = undefined;
    if (segment.spec.dhcp.mode === 'off') {
      this.options.logger.info('DHCP is off on this segment');
      return;
    }
    this.server = createDhcpServer({
      segment: { ...segment.spec, name: segment.metadata.name },
      view: this.options.view,
      leasesFile: this.options.leasesFile,
      logger: this.options.logger,
      metrics: this.options.metrics,
      onDiscovered: (device) => void this.register(device),
      onLease: (lease) => {
        this.scheduleReport();
        // A boot storm after an agent restart renews hundreds of leases: nothing for NFS to redo.
        if (!lease.renewal) this.notifier.changed();
      },
      ...(this.options.ports ? { ports: this.options.ports } : {}),
    });
    await this.server.start();
    this.notifier.changed(); // the leases just loaded may hold addresses the listeners have not seen
    this.options.logger.info({ mode: segment.spec.dhcp.mode }, 'DHCP serving');
    await this.report();
  }

  private async register(device: DiscoveredDevice): Promise<void> {
    const node = this.admit(device);
    if (!node) return;
    const mac = node.spec.mac;
    this.registering.add(mac);
    try {
      await this.api.createClusterCustomObject({ ...RESOURCES.node, body: node });
      this.recent.set(mac, { name: node.metadata.name, at: Date.now() });
      this.registrations.inc({ result: 'created' });
      this.options.logger.info({ mac, model: node.spec.model, name: node.metadata.name }, 'node discovered');
    } catch (error) {
      const exists = (error as { code?: number }).code === 409;
      this.registrations.inc({ result: exists ? 'exists' : 'failed' });
      if (!exists) this.options.logger.warn({ err: error, mac }, 'could not register a discovered node');
    } finally {
      this.registering.delete(mac);
    }
  }

  /** The WaltNode to create for `device`, if the segment wants one and its limits allow it now. */
  private admit(device: DiscoveredDevice): WaltNode | undefined {
    const segment = this.options.segments.get(this.options.segment);
    const node = discoveredNode(device, this.options.segment);
    if (!segment?.spec.autoRegister || !node || this.options.view.nodeByMac(device.mac)) return undefined;
    const mac = node.spec.mac;
    // One request per device, however many packets it sends.
    if (this.registering.has(mac) || this.recent.has(mac)) return undefined;
    const limits = autoRegisterLimitsOf(segment.spec);
    const now = Date.now();
    this.registrar ??= new Registrar(limits, now);
    const admission = this.registrar.admit(limits, () => this.pendingCount(now), now);
    if (admission === 'admit') return node;
    this.registrations.inc({ result: admission });
    this.options.logger.debug({ mac, admission }, 'discovered node not registered');
    return undefined;
  }

  /** Discovered nodes of the segment not booted yet: in the cache, created here meanwhile, or in flight. */
  private pendingCount(now: number): number {
    const names = new Set<string>();
    for (const node of this.options.view.nodes())
      if (isPendingDiscovered(node, this.options.segment)) names.add(node.metadata.name);
    for (const [mac, entry] of this.recent) {
      if (this.options.view.nodeByMac(mac) || now - entry.at > RECENT_MS) this.recent.delete(mac);
      else names.add(entry.name);
    }
    return names.size + this.registering.size;
  }

  private scheduleCollect(): void {
    const segment = this.options.segments.get(this.options.segment);
    const { forgetAfterMs } = autoRegisterLimitsOf(segment?.spec ?? {});
    const delay = Math.max(1000, Math.min(COLLECT_MAX_MS, Math.floor(forgetAfterMs / 4)));
    const timer = setTimeout(() => {
      // Rescheduled meanwhile (new settings) or stopped: this chain ends.
      void this.collect().finally(() => {
        if (this.collectTimer === timer) this.scheduleCollect();
      });
    }, delay);
    this.collectTimer = timer;
  }

  /** Deletes the discovered nodes that did not boot within forgetAfter (only the version looked at). */
  private async collect(): Promise<void> {
    const segment = this.options.segments.get(this.options.segment);
    if (!segment || this.collecting) return;
    this.collecting = true;
    try {
      const limits = autoRegisterLimitsOf(segment.spec);
      for (const node of staleDiscovered(this.options.view.nodes(), this.options.segment, limits, Date.now()))
        await this.forget(node);
    } finally {
      this.collecting = false;
    }
  }

  private async forget(node: WaltNode): Promise<void> {
    const { name, uid, resourceVersion } = node.metadata;
    try {
      await this.api.deleteClusterCustomObject({
        ...RESOURCES.node,
        name,
        // A node that booted or changed since the cache saw it is not deleted (409).
        body: { preconditions: { ...(uid ? { uid } : {}), ...(resourceVersion ? { resourceVersion } : {}) } },
      });
      this.registrations.inc({ result: 'collected' });
      this.options.logger.info({ name, mac: node.spec.mac }, 'discovered node never booted: deleted');
    } catch (error) {
      const code = (error as { code?: number }).code;
      if (code !== 404 && code !== 409)
        this.options.logger.warn({ err: error, name }, 'could not delete a discovered node');
    }
  }

  /** Agent heartbeat and leases in use, in the WaltSegment status (this agent's own fields). */
  private scheduleReport(): void {
    if (this.reportTimer) return;
    this.reportTimer = setTimeout(() => {
      this.reportTimer = undefined;
      void this.report().catch(() => undefined);
    }, LEASE_REPORT_MS);
  }

  private async report(): Promise<void> {
    const segment = this.options.segments.get(this.options.segment);
    if (!segment) return;
    const now = Date.now();
    const leasesInUse = this.server
      ? [...this.server.leases().leases.values()].filter((l) => l.state === 'bound' && l.expiresAt > now)
          .length
      : 0;
    await this.statusWriter.apply(segment, {
      agent: { host: os.hostname(), lastHeartbeat: rfc3339(new Date(now)) },
      leasesInUse,
    });
  }
}

export function createDhcpService(options: DhcpServiceOptions): DhcpService {
  return new Service(options);
}
