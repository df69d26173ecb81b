// The TFTP service of the boot agent: read-only, RFC 1350 + options (blksize, tsize, timeout,
// windowsize). Requests arrive on the listening socket; each accepted read gets its own ephemeral socket
// (its TID) and a TransferSession. Refusals are answered with an ERROR from the listening socket.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { Registry } from 'prom-client';
import type { Logger } from '../../common/logger.js';
import { bootCacheObserver } from '../netboot/cache-metrics.js';
import { cachedBlocks, streamedBlocks, type BlockSource } from './block-source.js';
import { TftpReadOnly, TftpUnsupportedMode } from './errors.js';
import type { ResolvedFile, TftpResolve } from './files.js';
import { createTftpMetrics, type TftpMetrics, type TransferResult } from './metrics.js';
import { negotiateOptions, type OptionLimits, type TransferParameters } from './options.js';
import { decodePacket, encodeError, MAX_BLKSIZE, TFTP_ERROR, type RequestPacket } from './packet.js';
import { DEFAULT_PACKET_CACHE, PacketCache, type PacketCacheOptions } from './packet-cache.js';
import { isRefusal, refusal, type TftpRefusal } from './paths.js';
import { TransferSession } from './session.js';

export type { ResolvedFile, TftpResolve } from './files.js';
export type { TftpRefusal } from './paths.js';

export interface TftpServerOptions {
  /** Address to listen on (the agent's address on its segment). */
  host: string;
  /** UDP port (69 in production, 0 in tests). */
  port: number;
  resolve: TftpResolve;
  logger: Logger;
  metrics: Registry;
  /** Largest blksize agreed (default 65464, the RFC 2348 maximum). */
  maxBlksize?: number;
  /** Largest windowsize agreed (default 64). */
  maxWindow?: number;
  /** Retransmission timeout when the client asks none (default 1000 ms). */
  timeoutMs?: number;
  /** Retransmissions in a row without progress before giving up (default 5). */
  maxRetries?: number;
  /** Concurrent transfers; more requests get ERROR 0 "busy" (default 1024). */
  maxTransfers?: number;
  /** DATA packets of hot files kept in memory (default DEFAULT_PACKET_CACHE; maxBytes 0 turns it off). */
  packetCache?: PacketCacheOptions;
}

export interface TftpServer {
  /** Binds the listening socket; resolves with the bound port. */
  start(): Promise<number>;
  /** Stops listening and ends the transfers in progress. */
  stop(): Promise<void>;
  readonly activeTransfers: number;
}

interface Settings {
  limits: OptionLimits;
  timeoutMs: number;
  maxRetries: number;
  maxTransfers: number;
}

function settingsOf(options: TftpServerOptions): Settings {
  return {
    limits: {
      maxBlksize: Math.min(options.maxBlksize ?? MAX_BLKSIZE, MAX_BLKSIZE),
      maxWindow: Math.max(1, options.maxWindow ?? 64),
    },
    timeoutMs: options.timeoutMs ?? 1000,
    maxRetries: options.maxRetries ?? 5,
    maxTransfers: options.maxTransfers ?? 1024,
  };
}

function bindSocket(host: string, port: number): Promise<Socket> {
  const socket = createSocket({ type: 'udp4' });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ address: host, port, exclusive: true }, () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}

async function transferSocket(host: string, client: RemoteInfo): Promise<Socket> {
  const socket = await bindSocket(host, 0);
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.connect(client.port, client.address, () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}

function requestRefusal(request: RequestPacket): TftpRefusal | undefined {
  if (request.op === 'WRQ') return refusal(TFTP_ERROR.ACCESS_VIOLATION, TftpReadOnly(request.filename));
  if (request.mode !== 'octet')
    return refusal(TFTP_ERROR.ILLEGAL_OPERATION, TftpUnsupportedMode(request.mode));
  return undefined;
}

class Server implements TftpServer {
  private readonly options: TftpServerOptions;
  private readonly settings: Settings;
  private readonly metrics: TftpMetrics;
  private readonly sessions = new Map<string, TransferSession | 'opening'>();
  private readonly packets: PacketCache;
  private socket: Socket | undefined;

  constructor(options: TftpServerOptions) {
    this.options = options;
    this.settings = settingsOf(options);
    this.metrics = createTftpMetrics(options.metrics);
    this.packets = new PacketCache(
      options.packetCache ?? DEFAULT_PACKET_CACHE,
      bootCacheObserver(options.metrics, 'tftp'),
    );
  }

  get activeTransfers(): number {
    return this.sessions.size;
  }

  async start(): Promise<number> {
    const socket = await bindSocket(this.options.host, this.options.port);
    socket.on('message', (msg, rinfo) => this.onRequest(msg, rinfo));
    socket.on('error', (error) => this.options.logger.error({ err: error }, 'tftp listening socket error'));
    this.socket = socket;
    const { port } = socket.address();
    this.options.logger.info({ host: this.options.host, port }, 'tftp service listening');
    return port;
  }

  async stop(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
    const running = [...this.sessions.values()].filter((s): s is TransferSession => s !== 'opening');
    await Promise.all(running.map((s) => s.stop()));
  }

  private onRequest(msg: Buffer, client: RemoteInfo): void {
    const decoded = decodePacket(msg);
    if (!decoded.ok || (decoded.packet.op !== 'RRQ' && decoded.packet.op !== 'WRQ')) {
      this.metrics.malformed.inc({ reason: decoded.ok ? 'unexpected' : 'decode' });
      return;
    }
    const key = `${client.address}:${client.port}`;
    if (this.sessions.has(key)) return; // a retransmitted request of a transfer in progress
    if (this.sessions.size >= this.settings.maxTransfers) {
      this.reply(client, encodeError(TFTP_ERROR.NOT_DEFINED, 'server busy, try again'));
      this.metrics.transfers.inc({ result: 'refused' });
      return;
    }
    this.sessions.set(key, 'opening');
    this.accept(decoded.packet, client, key).catch((error: unknown) => {
      this.options.logger.warn({ err: error, client: key }, 'tftp request failed');
      this.sessions.delete(key);
    });
  }

  private async accept(request: RequestPacket, client: RemoteInfo, key: string): Promise<void> {
    const logger = this.options.logger.child({ client: key, file: request.filename });
    const resolved =
      requestRefusal(request) ?? (await this.options.resolve(request.filename, client.address));
    if (isRefusal(resolved)) {
      logger.info({ code: resolved.error.code }, resolved.error.message);
      this.reply(client, encodeError(resolved.tftpCode, resolved.error.message));
      this.metrics.transfers.inc({ result: 'refused' });
      this.sessions.delete(key);
      return;
    }
    if (!this.socket) {
      await resolved.handle.close();
      this.sessions.delete(key);
      return;
    }
    const params = negotiateOptions(request.options, resolved.size, this.settings.limits);
    const socket = await transferSocket(this.options.host, client).catch(async (error: unknown) => {
      await resolved.handle.close();
      throw error;
    });
    const session = new TransferSession({
      socket,
      file: resolved,
      blocks: await this.blockSource(resolved, params, logger),
      params,
      timeoutMs: params.timeoutSec !== undefined ? params.timeoutSec * 1000 : this.settings.timeoutMs,
      maxRetries: this.settings.maxRetries,
      logger,
      metrics: this.metrics,
      onEnd: (result) => this.onEnd(key, result, socket, resolved.handle),
    });
    this.sessions.set(key, session);
    logger.debug({ size: resolved.size, ...params }, 'tftp transfer started');
    session.start();
  }

  /** Ready-made packets from the cache when the file fits, else blocks read as the transfer goes. */
  private async blockSource(
    file: ResolvedFile,
    params: TransferParameters,
    logger: Logger,
  ): Promise<BlockSource> {
    const streamed = (): BlockSource => streamedBlocks({ ...file, ...params });
    const cached = this.packets.packets(file.handle, file.identity, params.blksize);
    if (!cached) return streamed();
    try {
      return cachedBlocks(await cached);
    } catch (error) {
      logger.warn({ err: error }, 'tftp file could not be cached; streaming it');
      return streamed();
    }
  }

  private onEnd(
    key: string,
    result: TransferResult,
    socket: Socket,
    handle: { close(): Promise<void> },
  ): void {
    this.sessions.delete(key);
    this.metrics.transfers.inc({ result });
    // Let the last packet leave before the socket goes.
    setImmediate(() => {
      socket.close();
      handle.close().catch(() => undefined);
    });
  }

  private reply(client: RemoteInfo, packet: Buffer): void {
    this.socket?.send(packet, client.port, client.address, (error) => {
      if (error) this.options.logger.debug({ err: error }, 'tftp reply failed');
    });
  }
}

export function createTftpServer(options: TftpServerOptions): TftpServer {
  return new Server(options);
}
