// Option negotiation for a read request: blksize (RFC 2348), tsize and timeout (RFC 2349), windowsize
// (RFC 7440). Pure. Invalid or unknown options are ignored (RFC 2347 lets a server leave out any option it
// does not accept), values above our limits are lowered: the OACK says what this transfer uses.
import { MAX_BLKSIZE, type RawOptions } from './packet.js';

export const DEFAULT_BLKSIZE = 512;
export const MIN_BLKSIZE = 8;
export const MAX_WINDOWSIZE = 65535;

export interface OptionLimits {
  /** Largest block size the server agrees to (≤ 65464). */
  maxBlksize: number;
  /** Largest window the server agrees to (≤ 65535). */
  maxWindow: number;
}

export interface TransferParameters {
  blksize: number;
  windowsize: number;
  /** Retransmission timeout asked by the client, in seconds (1–255), if any. */
  timeoutSec?: number;
  /** The OACK to send, or undefined when no option was accepted (plain RFC 1350 transfer). */
  oack?: RawOptions;
}

function integer(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,10}$/.test(value)) return undefined;
  return Number(value);
}

function acceptBlksize(requested: RawOptions, limits: OptionLimits): number | undefined {
  const value = integer(requested.blksize);
  if (value === undefined || value < MIN_BLKSIZE) return undefined;
  return Math.min(value, limits.maxBlksize, MAX_BLKSIZE);
}

function acceptWindow(requested: RawOptions, limits: OptionLimits): number | undefined {
  const value = integer(requested.windowsize);
  if (value === undefined || value < 1) return undefined;
  return Math.max(1, Math.min(value, limits.maxWindow, MAX_WINDOWSIZE));
}

function acceptTimeout(requested: RawOptions): number | undefined {
  const value = integer(requested.timeout);
  return value !== undefined && value >= 1 && value <= 255 ? value : undefined;
}

export function negotiateOptions(
  requested: RawOptions,
  fileSize: number,
  limits: OptionLimits,
): TransferParameters {
  const oack: RawOptions = {};
  const blksize = acceptBlksize(requested, limits);
  if (blksize !== undefined) oack.blksize = String(blksize);
  if (integer(requested.tsize) !== undefined) oack.tsize = String(fileSize);
  const timeoutSec = acceptTimeout(requested);
  if (timeoutSec !== undefined) oack.timeout = String(timeoutSec);
  const windowsize = acceptWindow(requested, limits);
  if (windowsize !== undefined) oack.windowsize = String(windowsize);
  return {
    blksize: blksize ?? DEFAULT_BLKSIZE,
    windowsize: windowsize ?? 1,
    ...(timeoutSec !== undefined ? { timeoutSec } : {}),
    ...(Object.keys(oack).length > 0 ? { oack } : {}),
  };
}
