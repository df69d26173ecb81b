// The TFTP service of the boot agent: read-only, RFC 1350 + options (blksize, tsize, timeout,
// windowsize), octet and netascii modes. Requests arrive on the listening socket; each accepted read gets
// its own ephemeral socket (its TID) and a TransferSession. Refusals and malformed packets are answered
// with an ERROR from the listening socket (ERROR packets themselves never are), at most so many per
// client address and in all per second: a spoofed source cannot turn the agent into a reflector. The
// ERRORs not sent are counted. Sessions are capped per client address and in all.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { Registry } from 'prom-client';
import type { Logger } from '../../common/logger.js';
import { bootCacheObserver } from '../netboot/boot-file-cache-metrics.js';
import { KeyedLimiter, type BucketSpec } from '../netboot/token-bucket.js';
import {
  cachedBlocks,
  netasciiBlocks,
  netasciiSizeOf,
  streamedBlocks,
  type BlockSource,
} from './block-source.js';
import { TftpClientBusy, TftpReadOnly, TftpUnsupportedMode } from './errors.js';
import type { ResolvedFile, TftpResolve } from './files.js';
import { createTftpMetrics, type TftpMetrics, type TransferResult } from './metrics.js';
import {
  DEFAULT_MAX_TIMEOUT_SEC,
  MAX_TIMEOUT_SEC,
  MAX_WINDOWSIZE,
  negotiateOptions,
  type OptionLimits,
  type TransferParameters,
} from './options.js';
import {
  decodePacket,
  encodeError,
  isErrorPacket,
  MAX_BLKSIZE,
  TFTP_ERROR,
  type RequestPacket,
} from './packet.js';
import { DEFAULT_PACKET_CACHE, PacketCache, payloadSize, type PacketCacheOptions } from './packet-cache.js';
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
  /** Concurrent transfers of one client address; more get ERROR 0 (default 16). */
  maxTransfersPerClient?: number;
  /** Largest timeout option agreed, in seconds (1–255, default 10); larger asks are ignored. */
  maxTimeoutSec?: number;
  /**
   * ERROR replies from the listening socket, per client address and in all (default 5/s with bursts of
   * 10 per address, 200/s with bursts of 400 in all); those over the limit are dropped and counted.
   */
  errorRate?: { perClient: BucketSpec; total: BucketSpec };
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
  maxTransfersPerClient: number;
}

export const DEFAULT_ERROR_RATE = {
  perClient: { ratePerSec: 5, burst: 10 },
  total: { ratePerSec: 200, burst: 400 },
} as const;

const clamp = (value: number, min: number, max: number): number => Math.max(min, Math.min(max, value));

function settingsOf(options: TftpServerOptions): Settings {
  const maxTransfers = Math.max(1, options.maxTransfers ?? 1024);
  return {
    limits: {
      maxBlksize: clamp(options.maxBlksize ?? MAX_BLKSIZE, 8, MAX_BLKSIZE),
      maxWindow: clamp(options.maxWindow ?? 64, 1, MAX_WINDOWSIZE),
      maxTimeoutSec: clamp(options.maxTimeoutSec ?? DEFAULT_MAX_TIMEOUT_SEC, 1, MAX_TIMEOUT_SEC),
    },
    timeoutMs: options.timeoutMs ?? 1000,
    maxRetries: options.maxRetries ?? 5,
    maxTransfers,
    maxTransfersPerClient: clamp(options.maxTransfersPerClient ?? 16, 1, maxTransfers),
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
  if (request.mode !== 'octet' && request.mode !== 'netascii')
    return refusal(TFTP_ERROR.ILLEGAL_OPERATION, TftpUnsupportedMode(request.mode));
  return undefined;
}

/** A transfer's parameters and packets. */
interface Plan {
  params: TransferParameters;
  blocks: BlockSource;
  /** Bytes sent: the file's size, or its netascii size. */
  size: number;
}

class Server implements TftpServer {
  private readonly options: TftpServerOptions;
  private readonly settings: Settings;
  private readonly metrics: TftpMetrics;
  private readonly sessions = new Map<string, TransferSession | 'opening'>();
  /** Sessions per client address (the per-client cap). */
  private readonly perClient = new Map<string, number>();
  private readonly errorLimiter: KeyedLimiter;
  private readonly packets: PacketCache;
  private socket: Socket | undefined;

  constructor(options: TftpServerOptions) {
    this.options = options;
    this.settings = settingsOf(options);
    this.metrics = createTftpMetrics(options.metrics);
    const rate = options.errorRate ?? DEFAULT_ERROR_RATE;
    this.errorLimiter = new KeyedLimiter({ perKey: rate.perClient, total: rate.total }, Date.now());
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

  /** Every packet on the listening socket is a request served, an ERROR answered, or counted and dropped. */
  private onRequest(msg: Buffer, client: RemoteInfo): void {
    if (isErrorPacket(msg)) {
      this.metrics.malformed.inc({ reason: 'error-packet' }); // never answer an ERROR (RFC 1350 §7)
      return;
    }
    const decoded = decodePacket(msg);
    if (!decoded.ok) {
      this.metrics.malformed.inc({ reason: 'decode' });
      this.reply(client, encodeError(TFTP_ERROR.ILLEGAL_OPERATION, decoded.error.message));
      return;
    }
    if (decoded.packet.op !== 'RRQ' && decoded.packet.op !== 'WRQ') {
      // DATA, ACK or OACK on port 69: no transfer has this TID (RFC 1350 §4).
      this.metrics.malformed.inc({ reason: 'unexpected' });
      this.reply(client, encodeError(TFTP_ERROR.UNKNOWN_TID, 'unknown transfer ID: send a read request'));
      return;
    }
    const key = `${client.address}:${client.port}`;
    if (this.sessions.has(key)) return; // a retransmitted request of a transfer in progress
    const refused = this.capRefusal(client.address);
    if (refused) {
      this.reply(client, encodeError(TFTP_ERROR.NOT_DEFINED, refused));
      this.metrics.transfers.inc({ result: 'refused' });
      return;
    }
    this.claim(key, client.address);
    this.accept(decoded.packet, client, key).catch((error: unknown) => {
      this.options.logger.warn({ err: error, client: key }, 'tftp request failed');
      this.free(key, client.address);
    });
  }

  private capRefusal(address: string): string | undefined {
    if (this.sessions.size >= this.settings.maxTransfers) return 'server busy, try again';
    if ((this.perClient.get(address) ?? 0) < this.settings.maxTransfersPerClient) return undefined;
    this.metrics.capped.inc();
    return TftpClientBusy(address, this.settings.maxTransfersPerClient).message;
  }

  private claim(key: string, address: string): void {
    this.sessions.set(key, 'opening');
    this.perClient.set(address, (this.perClient.get(address) ?? 0) + 1);
  }

  private free(key: string, address: string): void {
    if (!this.sessions.delete(key)) return;
    const left = (this.perClient.get(address) ?? 1) - 1;
    if (left > 0) this.perClient.set(address, left);
    else this.perClient.delete(address);
  }

  private async accept(request: RequestPacket, client: RemoteInfo, key: string): Promise<void> {
    const logger = this.options.logger.child({ client: key, file: request.filename, mode: request.mode });
    const resolved =
      requestRefusal(request) ?? (await this.options.resolve(request.filename, client.address));
    if (isRefusal(resolved)) {
      logger.info({ code: resolved.error.code }, resolved.error.message);
      this.reply(client, encodeError(resolved.tftpCode, resolved.error.message));
      this.metrics.transfers.inc({ result: 'refused' });
      this.free(key, client.address);
      return;
    }
    if (!this.socket) {
      await resolved.handle.close();
      this.free(key, client.address);
      return;
    }
    const opened = this.plan(request, resolved, logger).then(async (plan) => ({
      plan,
      socket: await transferSocket(this.options.host, client),
    }));
    const { plan, socket } = await opened.catch(async (error: unknown) => {
      await resolved.handle.close();
      throw error;
    });
    const session = new TransferSession({
      socket,
      file: { ...resolved, size: plan.size },
      blocks: plan.blocks,
      params: plan.params,
      timeoutMs:
        plan.params.timeoutSec !== undefined ? plan.params.timeoutSec * 1000 : this.settings.timeoutMs,
      maxRetries: this.settings.maxRetries,
      logger,
      metrics: this.metrics,
      onEnd: (result) => this.onEnd({ key, address: client.address }, result, socket, resolved.handle),
    });
    this.sessions.set(key, session);
    logger.debug({ size: plan.size, ...plan.params }, 'tftp transfer started');
    session.start();
  }

  private plan(request: RequestPacket, file: ResolvedFile, logger: Logger): Promise<Plan> {
    if (request.mode === 'netascii') return this.netasciiPlan(request, file, logger);
    const params = negotiateOptions(request.options, file.size, this.settings.limits);
    return this.blockSource(file, params, logger).then((blocks) => ({ params, blocks, size: file.size }));
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

  /**
   * netascii: the size sent (tsize, the last block) is the converted size. The block size does not
   * depend on the file size, so it is negotiated first; the cache then gives the converted packets (and
   * their size), or the file is counted once and converted as it streams.
   */
  private async netasciiPlan(request: RequestPacket, file: ResolvedFile, logger: Logger): Promise<Plan> {
    const { blksize } = negotiateOptions(request.options, 0, this.settings.limits);
    const cached = this.packets.packets(file.handle, file.identity, blksize, 'netascii');
    const packets = await cached?.catch((error: unknown) => {
      logger.warn({ err: error }, 'tftp file could not be cached; streaming it');
      return undefined;
    });
    if (packets) {
      const size = payloadSize(packets, blksize);
      const params = negotiateOptions(request.options, size, this.settings.limits);
      return { params, blocks: cachedBlocks(packets), size };
    }
    const size = await netasciiSizeOf(file.handle, file.size);
    const params = negotiateOptions(request.options, size, this.settings.limits);
    return { params, blocks: netasciiBlocks({ ...file, ...params, netSize: size }), size };
  }

  private onEnd(
    slot: { key: string; address: string },
    result: TransferResult,
    socket: Socket,
    handle: { close(): Promise<void> },
  ): void {
    this.free(slot.key, slot.address);
    this.metrics.transfers.inc({ result });
    // Let the last packet leave before the socket goes.
    setImmediate(() => {
      socket.close();
      handle.close().catch(() => undefined);
    });
  }

  /** An ERROR from the listening socket, if the client's and the total budget allow it. */
  private reply(client: RemoteInfo, packet: Buffer): void {
    if (!this.errorLimiter.take(client.address, Date.now())) {
      this.metrics.errorsDropped.inc();
      return;
    }
    this.socket?.send(packet, client.port, client.address, (error) => {
      if (error) this.options.logger.debug({ err: error }, 'tftp reply failed');
    });
  }
}

export function createTftpServer(options: TftpServerOptions): TftpServer {
  return new Server(options);
}
