// One read transfer on its own UDP socket (its TID, connected to the client's): drives a ReadTransfer
// with the packets and timeouts it sees, reads the blocks it asks for, and reports the outcome once.
// Events are handled one at a time (a promise chain), so a window being read is never interleaved with
// the ACK that follows it.
import type { Socket } from 'node:dgram';
import type { Logger } from '../../common/logger.js';
import { BlockReader } from './block-reader.js';
import type { ResolvedFile } from './files.js';
import type { TftpMetrics, TransferResult } from './metrics.js';
import type { TransferParameters } from './options.js';
import { decodePacket, encodeError, encodeOack, TFTP_ERROR, writeDataHeader } from './packet.js';
import { ReadTransfer, type Send, type Step } from './transfer.js';

export interface SessionContext {
  socket: Socket;
  file: ResolvedFile;
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
  private readonly reader: BlockReader;
  private readonly started = process.hrtime.bigint();
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private ended = false;

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
    this.reader = new BlockReader(file.handle, params.blksize, params.windowsize);
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
    await this.chain;
  }

  private enqueue(work: () => Promise<void>): void {
    this.chain = this.chain.then(work).catch((error: unknown) => {
      this.ctx.logger.warn({ err: error }, 'tftp transfer failed');
      this.end('aborted');
    });
  }

  private async onMessage(msg: Buffer): Promise<void> {
    if (this.ended) return;
    const decoded = decodePacket(msg);
    if (!decoded.ok) {
      this.ctx.metrics.malformed.inc({ reason: 'decode' });
      return;
    }
    const packet = decoded.packet;
    if (packet.op === 'ACK') await this.perform(this.transfer.onAck(packet.block));
    else if (packet.op === 'ERROR') await this.perform(this.transfer.onClientError());
    else this.ctx.metrics.malformed.inc({ reason: 'unexpected' });
  }

  private onTimeout(): void {
    this.enqueue(() => this.perform(this.transfer.onTimeout()));
  }

  private async perform(step: Step): Promise<void> {
    if (this.ended) return;
    for (const send of step.sends) await this.send(send);
    const { status } = this.transfer;
    if (status === 'complete') this.end('ok');
    else if (status === 'failed') this.end(this.transfer.failure ?? 'aborted');
    else if (step.restartTimer) this.armTimer();
  }

  private armTimer(): void {
    if (this.timer) this.timer.refresh();
    else this.timer = setTimeout(() => this.onTimeout(), this.ctx.timeoutMs);
  }

  private async send(send: Send): Promise<void> {
    if (send.kind === 'oack') return this.write(encodeOack(this.ctx.params.oack ?? {}));
    if (send.kind === 'error') return this.write(encodeError(send.code, send.message));
    const { offset, length } = this.transfer.blockRange(send.seq);
    const packet = Buffer.allocUnsafe(4 + length);
    writeDataHeader(packet, send.seq);
    const copied = await this.reader.readInto(packet, 4, offset, length);
    if (copied !== length) throw new Error(`${this.ctx.file.path} shrank during the transfer`);
    this.ctx.metrics.sentBytes.inc(length);
    this.write(packet);
  }

  private write(packet: Buffer): void {
    if (this.ended) return;
    this.ctx.socket.send(packet, (error) => {
      if (error) this.ctx.logger.debug({ err: error }, 'tftp send failed');
    });
  }

  private end(result: TransferResult): void {
    if (this.ended) return;
    this.ended = true;
    if (this.timer) clearTimeout(this.timer);
    const seconds = Number(process.hrtime.bigint() - this.started) / 1e9;
    this.ctx.metrics.duration.observe({ result }, seconds);
    this.ctx.logger.debug({ result, seconds, blocks: this.transfer.acked }, 'tftp transfer ended');
    this.ctx.onEnd(result);
  }
}
