// The sending side of one TFTP read transfer, as a state machine without I/O: events in (ACK, timeout,
// client ERROR), packets to send out. Blocks are named by their sequence number `seq` (1, 2, … never
// wrapping); the wire block number is `seq & 0xffff` (rollover to 0 past 65535, as tftpd-hpa does).
//
// - Option negotiation: OACK first, then wait for ACK 0 (RFC 2347).
// - Windows (RFC 7440): send `windowsize` blocks, wait for the ACK of the last one; an ACK of an earlier
//   block of the window moves the window to start after it and resends from there.
// - An ACK that acknowledges nothing new (a duplicate) never triggers a resend with windowsize 1, which is
//   what avoids the Sorcerer's Apprentice syndrome (RFC 1123 §4.2.3.1); with a window, it triggers at most
//   one early resend per window position (a client reporting a lost first block).
// - Timeouts resend the current window (or the OACK), up to `maxRetries` times in a row without progress.
// - The last block is short; a file whose size is a multiple of blksize ends with an empty block.

export type Send =
  { kind: 'oack' } | { kind: 'data'; seq: number } | { kind: 'error'; code: number; message: string };

export type TransferStatus = 'negotiating' | 'sending' | 'complete' | 'failed';

export interface Step {
  sends: Send[];
  /** True when something was (re)sent: the retransmission timer starts again. */
  restartTimer: boolean;
}

export interface TransferConfig {
  size: number;
  blksize: number;
  windowsize: number;
  maxRetries: number;
  /** Whether an OACK opens the transfer (options were accepted). */
  negotiate: boolean;
}

const idle: Step = { sends: [], restartTimer: false };

/** Blocks of a `size`-byte file: the last one is short, empty when size is a multiple of blksize. */
export const blockCount = (size: number, blksize: number): number => Math.floor(size / blksize) + 1;

/** Byte range of block `seq` in a `size`-byte file. */
export function blockRange(size: number, blksize: number, seq: number): { offset: number; length: number } {
  const offset = (seq - 1) * blksize;
  return { offset, length: Math.max(0, Math.min(blksize, size - offset)) };
}

export class ReadTransfer {
  status: TransferStatus = 'negotiating';
  /** The number of the last block: the file has `lastSeq` DATA packets, the last one short. */
  readonly lastSeq: number;
  /** Why the transfer failed, when it did. */
  failure?: 'timeout' | 'client-error' | 'aborted';
  private base = 1;
  private sentUpTo = 0;
  private retries = 0;
  private earlyResendAt = 0;
  private readonly config: TransferConfig;

  constructor(config: TransferConfig) {
    this.config = config;
    this.lastSeq = blockCount(config.size, config.blksize);
  }

  /** Blocks acknowledged so far. */
  get acked(): number {
    return this.status === 'complete' ? this.lastSeq : this.base - 1;
  }

  start(): Step {
    if (this.config.negotiate) return { sends: [{ kind: 'oack' }], restartTimer: true };
    this.status = 'sending';
    return this.sendWindow();
  }

  onAck(block: number): Step {
    if (this.status === 'negotiating') return this.onNegotiationAck(block);
    if (this.status === 'sending') return this.onDataAck(block);
    return idle;
  }

  onTimeout(): Step {
    if (this.status !== 'negotiating' && this.status !== 'sending') return idle;
    this.retries += 1;
    if (this.retries > this.config.maxRetries) return this.fail('timeout');
    if (this.status === 'negotiating') return { sends: [{ kind: 'oack' }], restartTimer: true };
    return this.sendWindow();
  }

  onClientError(): Step {
    if (this.status === 'complete' || this.status === 'failed') return idle;
    return this.fail('client-error');
  }

  /** Ends the transfer with an ERROR packet (e.g. the file could not be read). */
  abort(code: number, message: string): Step {
    if (this.status === 'complete' || this.status === 'failed') return idle;
    this.fail('aborted');
    return { sends: [{ kind: 'error', code, message }], restartTimer: false };
  }

  private fail(reason: NonNullable<ReadTransfer['failure']>): Step {
    this.status = 'failed';
    this.failure = reason;
    return idle;
  }

  private onNegotiationAck(block: number): Step {
    if (block !== 0) return idle;
    this.status = 'sending';
    this.retries = 0;
    return this.sendWindow();
  }

  /** The sequence number an ACK stands for, if it lies in [base - 1, sentUpTo]. */
  private seqOfAck(block: number): number | undefined {
    const low = this.base - 1;
    const seq = low + ((block - (low & 0xffff)) & 0xffff);
    return seq <= this.sentUpTo ? seq : undefined;
  }

  private onDataAck(block: number): Step {
    const seq = this.seqOfAck(block);
    if (seq === undefined) return idle;
    if (seq === this.lastSeq) {
      this.status = 'complete';
      this.base = seq + 1;
      return idle;
    }
    if (seq >= this.base) {
      this.base = seq + 1;
      this.retries = 0;
      return this.sendWindow();
    }
    // A duplicate of the previous ACK: nothing new was received.
    if (this.config.windowsize === 1 || this.earlyResendAt === this.base) return idle;
    this.earlyResendAt = this.base;
    return this.sendWindow();
  }

  private sendWindow(): Step {
    const end = Math.min(this.base + this.config.windowsize - 1, this.lastSeq);
    const sends: Send[] = [];
    for (let seq = this.base; seq <= end; seq++) sends.push({ kind: 'data', seq });
    this.sentUpTo = end;
    return { sends, restartTimer: true };
  }
}
