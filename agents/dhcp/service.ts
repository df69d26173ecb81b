// The agent's DHCP service: runs the DHCP server for its WaltSegment with the settings in the segment's
// spec (restarting it when they change), registers unknown WalT nodes as WaltNodes when the segment
// allows auto-registration, and reports the agent heartbeat and leases in use in the segment's status.
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import { isNodeModel } from '../../api/v1alpha1/node-models.js';
import { isNodeMac } from '../../api/v1alpha1/fields.js';
import { API_VERSION, RESOURCES, type WaltNode, type WaltSegment } from '../../api/v1alpha1/index.js';
import type { Logger } from '../../common/logger.js';
import { createStatusWriter, rfc3339, type StatusWriter } from '../../operator/runtime/status.js';
import type { Cache, CacheView } from '../netboot/cache-view.js';
import { followSegment, type SegmentFollower } from '../netboot/segment-follower.js';
import { normaliseMac } from '../netboot/gate.js';
import type { DiscoveredDevice } from './responder.js';
import { LeaseNotifier } from './lease-notifier.js';
import { createDhcpServer, type DhcpServer } from './server.js';

const HEARTBEAT_MS = 30_000;
/** Lease changes reach the segment status at most this often (a boot storm binds hundreds at once). */
const LEASE_REPORT_MS = 2_000;

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
  /** The MAC holding `ip` (TFTP and HTTP identify clients by their address). */
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
    metadata: { name: discoveredNodeName(device.mac), labels: { 'walt.dev/discovered': 'true' } },
    spec: { mac: device.mac.toLowerCase(), model: device.model, segment } as WaltNode['spec'],
  };
}

class Service implements DhcpService {
  private server: DhcpServer | undefined;
  private generation: number | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private reportTimer: NodeJS.Timeout | undefined;
  private readonly registering = new Set<string>();
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
  }

  async stop(): Promise<void> {
    clearInterval(this.heartbeat);
    clearTimeout(this.reportTimer);
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
    const leases = this.server?.leases().leases.values() ?? [];
    // A few hundred leases at most on a segment: a scan is cheaper than keeping an index in step.
    for (const lease of leases) if (lease.ip === ip) return lease.mac;
    return undefined;
  }

  private async apply(segment: WaltSegment): Promise<void> {
    if (segment.metadata.generation === this.generation && this.server) return;
    this.generation = segment.metadata.generation;
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
    const segment = this.options.segments.get(this.options.segment);
    const node = discoveredNode(device, this.options.segment);
    if (!segment?.spec.autoRegister || !node || this.options.view.nodeByMac(device.mac)) return;
    if (this.registering.has(node.spec.mac)) return; // one request per device, however many packets
    this.registering.add(node.spec.mac);
    try {
      await this.api.createClusterCustomObject({ ...RESOURCES.node, body: node });
      this.options.logger.info(
        { mac: node.spec.mac, model: node.spec.model, name: node.metadata.name },
        'node discovered',
      );
    } catch (error) {
      if ((error as { code?: number }).code !== 409) this.registering.delete(node.spec.mac);
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
