// The DHCP service of a boot agent: UDP sockets, the lease file, metrics and logs around the pure
// responder. The agent owns exactly one L2 interface in its network namespace, so broadcasts reach the
// segment. Two sockets share port 67: one on 0.0.0.0 receives broadcasts; one bound to the server address
// sends, because Linux routes a limited broadcast (255.255.255.255) out of the interface holding the
// source address only when the socket is bound to it (there may be no default route).
import dgram from 'node:dgram';
import type { Registry } from 'prom-client';
import type { WaltSegmentSpec } from '../../api/v1alpha1/index.js';
import type { WaltNode } from '../../api/v1alpha1/index.js';
import type { Logger } from '../../common/logger.js';
import { withRootfsCache, type BootView } from '../netboot/gate.js';
import { dhcpConfigOf, type DhcpConfig } from './config.js';
import { LeaseFile, loadLeases } from './lease-file.js';
import { boundHolder, emptyLeases, prune, type LeaseState } from './leases.js';
import { dhcpMetrics, type DhcpMetrics } from './metrics.js';
import { MessageType, messageType } from './options.js';
import { decode, encode, type DhcpPacket } from './packet.js';
import { PROXY_PORT, replyDestination, SERVER_PORT, type Address } from './reply-address.js';
import { respond, type DiscoveredDevice, type LeaseEvent, type Response } from './responder.js';

/** A BootView that can also list nodes, so that their status.ip addresses stay reserved. */
export type DhcpView = BootView & { nodes?(): Iterable<WaltNode> };

export interface DhcpServerOptions {
  segment: WaltSegmentSpec & { name: string };
  view: DhcpView;
  leasesFile: string;
  logger: Logger;
  metrics: Registry;
  onDiscovered?: (device: DiscoveredDevice) => void;
  onLease?: (lease: LeaseEvent) => void;
  /** Ports to use instead of 67 and 4011 (tests). */
  ports?: { server: number; proxy: number };
  /** Clock (tests). */
  now?: () => number;
}

export interface DhcpServer {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The current lease state (read-only view). */
  leases(): LeaseState;
  /** The MAC of the bound, unexpired lease on `ip` (how TFTP and HTTP know a client). */
  macOfIp(ip: string): string | undefined;
  /** Drops expired offers, old expired leases and finished declines now (done every PRUNE_MS too). */
  prune(): void;
}

/** How often the lease table is pruned (leases.ts prune()), and the lease file with it. */
export const PRUNE_MS = 60_000;

function bindSocket(address: string, port: number): Promise<dgram.Socket> {
  const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ address, port }, () => {
      socket.off('error', reject);
      socket.setBroadcast(true);
      resolve(socket);
    });
  });
}

function closeSocket(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => socket.close(() => resolve()));
}

/** Metric label of each message type (no lookup and no string built per packet). */
const TYPE_LABELS = new Map<number | undefined, string>(
  Object.entries(MessageType).map(([name, code]) => [code, name.toLowerCase()]),
);
const typeLabel = (type: number | undefined): string => TYPE_LABELS.get(type) ?? 'unknown';

function reservedAddresses(view: DhcpView, segment: string): Map<string, string> {
  const reserved = new Map<string, string>();
  for (const node of view.nodes?.() ?? []) {
    const ip = node.status?.ip;
    if (ip && node.spec.segment === segment) reserved.set(ip, node.spec.mac.toLowerCase());
  }
  return reserved;
}

class Server implements DhcpServer {
  private readonly config: DhcpConfig;
  private readonly metrics: DhcpMetrics;
  private readonly file: LeaseFile;
  private readonly now: () => number;
  private readonly view: DhcpView;
  private state: LeaseState = emptyLeases();
  private sockets: Array<{ socket: dgram.Socket; port: number }> = [];
  private sender: dgram.Socket | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: DhcpServerOptions) {
    this.config = dhcpConfigOf(options.segment.name, options.segment);
    this.metrics = dhcpMetrics(options.metrics);
    this.file = new LeaseFile(options.leasesFile, { onError: (error) => this.saveFailed(error) });
    this.now = options.now ?? Date.now;
    this.view = withRootfsCache(options.view);
  }

  leases(): LeaseState {
    return this.state;
  }

  macOfIp(ip: string): string | undefined {
    return boundHolder(this.state, ip, this.now());
  }

  prune(): void {
    const now = this.now();
    const pruned = prune(this.state, now, now - this.config.leaseSeconds * 1000);
    if (pruned.leases.size === this.state.leases.size && pruned.declined.size === this.state.declined.size)
      return;
    this.state = pruned;
    this.file.schedule(pruned);
  }

  async start(): Promise<void> {
    if (this.config.mode === 'off') return;
    const loaded = await loadLeases(this.options.leasesFile);
    const now = this.now();
    this.state = prune(loaded, now, now - this.config.leaseSeconds * 1000);
    if (this.state.leases.size !== loaded.leases.size || this.state.declined.size !== loaded.declined.size)
      this.file.schedule(this.state);
    const ports = this.options.ports ?? { server: SERVER_PORT, proxy: PROXY_PORT };
    const listen = [ports.server, ...(this.config.mode === 'proxy' ? [ports.proxy] : [])];
    for (const port of listen) {
      for (const address of ['0.0.0.0', this.config.serverIp])
        this.listen(await bindSocket(address, port), port);
    }
    this.sender = this.sockets.find((s) => s.port === ports.server && s !== this.sockets[0])?.socket;
    this.pruneTimer = setInterval(() => this.prune(), PRUNE_MS);
    this.pruneTimer.unref();
    this.options.logger.info(
      { segment: this.config.segment, mode: this.config.mode, ports: listen },
      'DHCP started',
    );
  }

  private listen(socket: dgram.Socket, port: number): void {
    this.sockets.push({ socket, port });
    socket.on('message', (message, remote) =>
      this.handle(message, { address: remote.address, port: remote.port }, port, socket),
    );
    socket.on('error', (error) => this.options.logger.warn({ err: error }, 'DHCP socket error'));
  }

  private handle(message: Buffer, source: Address, localPort: number, socket: dgram.Socket): void {
    try {
      this.process(message, source, localPort, socket);
    } catch (error) {
      this.metrics.malformed.inc({ reason: 'internal' });
      this.options.logger.error({ err: error, source }, 'DHCP request failed');
    }
  }

  private process(message: Buffer, source: Address, localPort: number, socket: dgram.Socket): void {
    const decoded = decode(message);
    if (!decoded.ok) {
      this.metrics.malformed.inc({ reason: decoded.error.code.replace('WALT_ERR_DHCP_', '').toLowerCase() });
      return;
    }
    const packet = decoded.packet;
    const type = messageType(packet.options);
    this.metrics.packets.inc({ type: typeLabel(type) });
    const reserved = reservedAddresses(this.view, this.config.segment);
    const ctx = {
      config: this.config,
      view: this.view,
      reserved,
      leases: this.state,
      now: this.now(),
      localPort,
    };
    const response = respond(packet, ctx);
    // Offers are not written: an agent that restarts offers again. A binding is on disk before its
    // ACK leaves (group commit, lease-file.ts: a boot storm writes a few files, not one per client),
    // so an agent killed at any moment never hands an acknowledged address to another client.
    // Releases and declines are written within WRITE_DELAY_MS.
    const changed = response.leases !== this.state && type !== MessageType.DISCOVER;
    this.state = response.leases;
    this.report(response);
    const reply = response.reply;
    if (!changed || !reply || !response.lease) {
      if (changed) this.file.schedule(response.leases);
      if (reply) this.reply(packet, reply, { source, localPort, socket });
      return;
    }
    // Not acknowledged when it cannot be written: the client asks again.
    this.file.commit(response.leases).then(
      () => this.reply(packet, reply, { source, localPort, socket }),
      (error: unknown) => this.saveFailed(error),
    );
  }

  private reply(
    packet: DhcpPacket,
    reply: DhcpPacket,
    to: { source: Address; localPort: number; socket: dgram.Socket },
  ): void {
    const destination = replyDestination(packet, reply, to.source, to.localPort);
    this.metrics.replies.inc({ type: typeLabel(messageType(reply.options)) });
    this.send(
      encode(reply),
      destination,
      to.localPort === PROXY_PORT ? to.socket : (this.sender ?? to.socket),
    );
  }

  private saveFailed(error: unknown): void {
    this.options.logger.error({ err: error, file: this.options.leasesFile }, 'cannot save DHCP leases');
  }

  private report(response: Response): void {
    const log = this.options.logger;
    if (response.ignored) this.metrics.ignored.inc({ reason: response.ignored });
    if (response.discovered) {
      log.info(
        { ...response.discovered, segment: this.config.segment },
        'DHCP discovered a node-like device',
      );
      this.options.onDiscovered?.(response.discovered);
    }
    if (response.lease) {
      log.debug({ ...response.lease, segment: this.config.segment }, 'DHCP lease bound');
      this.options.onLease?.(response.lease);
    }
  }

  private send(data: Buffer, to: Address, socket: dgram.Socket): void {
    socket.send(data, to.port, to.address, (error) => {
      if (error) this.options.logger.warn({ err: error, to }, 'DHCP reply not sent');
    });
  }

  async stop(): Promise<void> {
    if (this.config.mode === 'off') return;
    clearInterval(this.pruneTimer);
    const sockets = this.sockets;
    this.sockets = [];
    this.sender = undefined;
    await Promise.all(sockets.map((s) => closeSocket(s.socket)));
    await this.file.save(this.state).catch((error) => this.saveFailed(error));
  }
}

export function createDhcpServer(options: DhcpServerOptions): DhcpServer {
  return new Server(options);
}
