// A small TFTP read client (RFC 1350 + options + RFC 7440 windows): the reference client of our tests and
// benchmark, and a way for agent code to fetch a boot file the way a node would. `ackFilter` lets tests
// lose or duplicate ACKs on purpose.
import { createHash } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { createWriteStream, type WriteStream } from 'node:fs';
import { WaltError } from '../../common/errors.js';
import {
  decodePacket,
  encodeAck,
  encodeError,
  encodeRequest,
  TFTP_ERROR,
  type DataPacket,
  type RawOptions,
  type TftpPacket,
} from '../../agents/tftp/packet.js';

export type AckFate = 'send' | 'drop' | 'duplicate';

export interface TftpGetOptions {
  host: string;
  port: number;
  filename: string;
  /** Transfer mode (default octet); in netascii the result is the bytes as sent (no reverse conversion). */
  mode?: 'octet' | 'netascii';
  /** Options to ask for, e.g. `{ blksize: '1468', windowsize: '8', tsize: '0' }`. */
  options?: RawOptions;
  /** Local address to bind (default: any). */
  localAddress?: string;
  /** Silence before the last packet is sent again (default 1000 ms). */
  timeoutMs?: number;
  maxRetries?: number;
  /** Keep answering a resent last block for this long after the end (default 0). */
  dallyMs?: number;
  /** Write the file here (default: only hash it). */
  dest?: string;
  /** Decides the fate of each ACK (`n` counts ACKs from 0). */
  ackFilter?: (block: number, n: number) => AckFate;
}

export interface TftpGetResult {
  size: number;
  sha256: string;
  /** The options the server accepted (its OACK), empty without OACK. */
  options: RawOptions;
  /** DATA packets received, duplicates included. */
  dataPackets: number;
}

/** The server answered with an ERROR packet. */
export class TftpRemoteError extends WaltError {
  readonly tftpCode: number;
  constructor(tftpCode: number, message: string) {
    super('WALT_ERR_TFTP_REMOTE', `TFTP server error ${tftpCode}: ${message}`, 502);
    this.tftpCode = tftpCode;
  }
}

class Download {
  private readonly opts: TftpGetOptions;
  private readonly socket: Socket;
  private readonly hash = createHash('sha256');
  private readonly out: WriteStream | undefined;
  private server: { port: number; address: string } | undefined;
  private blksize = 512;
  private windowsize = 1;
  private next = 1;
  private inWindow = 0;
  private acks = 0;
  private retries = 0;
  private last: Buffer;
  private timer: NodeJS.Timeout | undefined;
  private done = false;
  readonly result: TftpGetResult = { size: 0, sha256: '', options: {}, dataPackets: 0 };
  private settle: { resolve(): void; reject(error: Error): void } = { resolve() {}, reject() {} };

  constructor(opts: TftpGetOptions, socket: Socket) {
    this.opts = opts;
    this.socket = socket;
    this.out = opts.dest ? createWriteStream(opts.dest) : undefined;
    this.last = encodeRequest({
      filename: opts.filename,
      mode: opts.mode ?? 'octet',
      options: opts.options ?? {},
    });
  }

  run(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
      this.socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
      this.socket.send(this.last, this.opts.port, this.opts.host);
      this.arm();
    });
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.socket.close();
    const out = this.out;
    if (out) await new Promise<void>((resolve) => out.end(() => resolve()));
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.onTimeout(), this.opts.timeoutMs ?? 1000);
  }

  private onTimeout(): void {
    if (this.done) return;
    this.retries += 1;
    if (this.retries > (this.opts.maxRetries ?? 5)) {
      this.settle.reject(
        new WaltError('WALT_ERR_TFTP_CLIENT_TIMEOUT', `no answer for ${this.opts.filename}`, 504),
      );
      return;
    }
    this.transmit(this.last);
    this.arm();
  }

  private transmit(packet: Buffer): void {
    const to = this.server ?? { port: this.opts.port, address: this.opts.host };
    this.socket.send(packet, to.port, to.address);
  }

  private ack(block: number): void {
    this.last = encodeAck(block);
    const fate = this.opts.ackFilter?.(block & 0xffff, this.acks) ?? 'send';
    this.acks += 1;
    if (fate !== 'drop') this.transmit(this.last);
    if (fate === 'duplicate') this.transmit(this.last);
  }

  private onMessage(msg: Buffer, rinfo: RemoteInfo): void {
    this.server ??= { port: rinfo.port, address: rinfo.address };
    if (rinfo.port !== this.server.port) {
      this.socket.send(encodeError(TFTP_ERROR.UNKNOWN_TID, 'unknown transfer ID'), rinfo.port, rinfo.address);
      return;
    }
    const decoded = decodePacket(msg);
    if (decoded.ok) this.onPacket(decoded.packet);
  }

  private onPacket(packet: TftpPacket): void {
    if (packet.op === 'ERROR') this.settle.reject(new TftpRemoteError(packet.code, packet.message));
    else if (packet.op === 'OACK') this.onOack(packet.options);
    else if (packet.op === 'DATA') this.onData(packet);
  }

  private onOack(options: RawOptions): void {
    if (this.next !== 1) return;
    this.result.options = options;
    this.blksize = Number(options.blksize ?? 512);
    this.windowsize = Number(options.windowsize ?? 1);
    this.retries = 0;
    this.ack(0);
    this.arm();
  }

  private onData(packet: DataPacket): void {
    this.result.dataPackets += 1;
    this.retries = 0;
    this.arm();
    if (packet.block !== (this.next & 0xffff) || this.done) {
      // Out of order, or a resent block we already have: say where we are.
      this.inWindow = 0;
      this.ack(this.next - 1);
      return;
    }
    this.accept(packet.data);
  }

  private accept(data: Buffer): void {
    this.hash.update(data);
    this.out?.write(Buffer.from(data));
    this.result.size += data.length;
    this.next += 1;
    this.inWindow += 1;
    const final = data.length < this.blksize;
    if (final || this.inWindow === this.windowsize) {
      this.inWindow = 0;
      this.ack(this.next - 1);
    }
    if (!final) return;
    this.done = true;
    this.result.sha256 = this.hash.digest('hex');
    if (this.timer) clearTimeout(this.timer);
    setTimeout(() => this.settle.resolve(), this.opts.dallyMs ?? 0);
  }
}

/** Downloads one file; rejects with TftpRemoteError on an ERROR packet, or on timeout. */
export async function tftpGet(opts: TftpGetOptions): Promise<TftpGetResult> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind({ port: 0, address: opts.localAddress }, resolve));
  const download = new Download(opts, socket);
  try {
    await download.run();
    return download.result;
  } finally {
    await download.close();
  }
}
