// One read transfer on its own UDP socket (its TID, connected to the client's): drives a ReadTransfer
// with the packets and timeouts it sees, reads the blocks it asks for, and reports the outcome once.
// Events are handled one at a time, so a window being read is never interleaved with the ACK that
// follows it. Most events are handled synchronously (their blocks are in the read-ahead buffer); only
// while a read is in flight do later events queue on a promise. A lock-step transfer (busybox, PXE
// ROMs) is one event per block, so per-event promises and closures were a large share of its CPU; its
// packets usually come ready-made from the packet cache (block-source.ts) and its ACKs are read without
// the generic decoder.
import type { Socket } from 'node:dgram';
import type { Logger } from '../../common/logger.js';
import type { BlockSource } from './block-source.js';
import type { ResolvedFile } from './files.js';
import type { TftpMetrics, TransferResult } from './metrics.js';
import type { TransferParameters } from './options.js';
import { decodePacket, encodeError, encodeOack, OPCODE, TFTP_ERROR } from './packet.js';
import { ReadTransfer, type Send, type Step } from './transfer.js';

export interface SessionContext {
  socket: Socket;
  file: ResolvedFile;
  /** The file's DATA packets. */
  blocks: BlockSource;
  params: TransferParameters;
  timeoutMs: number;
  maxRetries: number;
  logger: Logger;
  metrics: TftpMetrics;
  onEnd(result: TransferResult): void;
}

export class TransferSession {
  private readonly ctx: SessionContext;
  private readonly transfer: ReadTransfer;
  private readonly started = process.hrtime.bigint();
  /** The events' queue while one of them waits for a read; undefined when none does. */
  private pending: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ended = false;
  /** DATA bytes sent, counted into the metric once at the end (not per packet). */
  private sentBytes = 0;

  constructor(ctx: SessionContext) {
    this.ctx = ctx;
    const { params, file } = ctx;
    this.transfer = new ReadTransfer({
      size: file.size,
      blksize: params.blksize,
      windowsize: params.windowsize,
      maxRetries: ctx.maxRetries,
      negotiate: params.oack !== undefined,
    });
  }

  start(): void {
    this.ctx.socket.on('message', (msg) => this.enqueue(() => this.onMessage(msg)));
    this.ctx.socket.on('error', (error) => {
      this.ctx.logger.debug({ err: error }, 'tftp transfer socket error');
      this.enqueue(() => this.perform(this.transfer.abort(TFTP_ERROR.NOT_DEFINED, 'socket error')));
    });
    this.enqueue(() => this.perform(this.transfer.start()));
  }

  /** Ends the transfer now (server stop). */
  async stop(): Promise<void> {
    this.enqueue(() => this.perform(this.transfer.abort(TFTP_ERROR.NOT_DEFINED, 'server shutting down')));
    await this.pending;
  }

  /** Runs `work` now if no event is waiting for a read, else after those that are. */
  private enqueue(work: () => void | Promise<void>): void {
    if (this.pending) {
      this.track(this.pending.then(work));
      return;
    }
    let waiting: void | Promise<void>;
    try {
      waiting = work();
    } catch (error) {
      this.failed(error);
      return;
    }
    if (waiting) this.track(waiting);
  }

  private track(work: Promise<void>): void {
    const tracked: Promise<void> = work
      .catch((error: unknown) => this.failed(error))
      .then(() => {
        if (this.pending === tracked) this.pending = undefined;
      });
    this.pending = tracked;
  }

  private failed(error: unknown): void {
    this.ctx.logger.warn({ err: error }, 'tftp transfer failed');
    this.end('aborted');
  }

  private onMessage(msg: Buffer): void | Promise<void> {
    if (this.ended) return;
    // Nearly every packet a transfer receives is a plain ACK.
    if (msg.length === 4 && msg[0] === 0 && msg[1] === OPCODE.ACK)
      return this.perform(this.transfer.onAck((msg[2]! << 8) | msg[3]!));
    const decoded = decodePacket(msg);
    if (!decoded.ok) {
      this.ctx.metrics.malformed.inc({ reason: 'decode' });
      return;
    }
    const packet = decoded.packet;
    if (packet.op === 'ACK') return this.perform(this.transfer.onAck(packet.block));
    if (packet.op === 'ERROR') return this.perform(this.transfer.onClientError());
    this.ctx.metrics.malformed.inc({ reason: 'unexpected' });
  }

  private onTimeout(): void {
    this.enqueue(() => this.perform(this.transfer.onTimeout()));
  }

  private perform(step: Step): void | Promise<void> {
    if (this.ended) return;
    return this.sendFrom(step, 0);
  }

  /** Sends `step.sends` from `first` on, synchronously up to the first block that must be read. */
  private sendFrom(step: Step, first: number): void | Promise<void> {
    for (let i = first; i < step.sends.length; i++) {
      const reading = this.send(step.sends[i]!);
      if (reading) return reading.then(() => this.sendFrom(step, i + 1));
    }
    this.afterSends(step);
  }

  private afterSends(step: Step): void {
    const { status } = this.transfer;
    if (status === 'complete') this.end('ok');
    else if (status === 'failed') this.end(this.transfer.failure ?? 'aborted');
    else if (step.restartTimer) this.armTimer();
  }

  private armTimer(): void {
    if (this.timer) this.timer.refresh();
    else this.timer = setTimeout(() => this.onTimeout(), this.ctx.timeoutMs);
  }

  /** Sends one packet; a promise only when its block has to be read from the file first. */
  private send(send: Send): Promise<void> | undefined {
    if (send.kind === 'oack') this.write(encodeOack(this.ctx.params.oack ?? {}));
    else if (send.kind === 'error') this.write(encodeError(send.code, send.message));
    else return this.sendData(send.seq);
    return undefined;
  }

  private sendData(seq: number): Promise<void> | undefined {
    const packet = this.ctx.blocks.packet(seq);
    if (packet) return this.writeData(packet);
    return this.ctx.blocks.read(seq).then((read) => this.writeData(read));
  }

  private writeData(packet: Buffer): undefined {
    this.sentBytes += packet.length - 4;
    this.write(packet);
    return undefined;
  }

  /**
   * No callback: with one, dgram queues a process.nextTick per packet to call it (a lock-step transfer
   * sends one packet per event), and all it did was log at debug level. A failed send is retried by
   * the timer, as before; without a callback, dgram drops the error instead of emitting it.
   */
  private write(packet: Buffer): void {
    if (this.ended) return;
    this.ctx.socket.send(packet);
  }

  private end(result: TransferResult): void {
    if (this.ended) return;
    this.ended = true;
    if (this.timer) clearTimeout(this.timer);
    const seconds = Number(process.hrtime.bigint() - this.started) / 1e9;
    this.ctx.metrics.sentBytes.inc(this.sentBytes);
    this.ctx.metrics.duration.observe({ result }, seconds);
    this.ctx.logger.debug({ result, seconds, blocks: this.transfer.acked }, 'tftp transfer ended');
    this.ctx.onEnd(result);
  }
}
