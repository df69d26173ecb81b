// Option negotiation for a read request: blksize (RFC 2348), tsize and timeout (RFC 2349), windowsize
// (RFC 7440). Pure. Invalid or unknown options are ignored (RFC 2347 lets a server leave out any option it
// does not accept), values above our limits are lowered where the RFC lets a server answer less: the
// OACK says what this transfer uses. Every value is bounded here, never by the client:
// - blksize: 8–65464 (RFC 2348); less than 8 → ignored; more than the server's maxBlksize → lowered.
// - windowsize: 1–65535 (RFC 7440); 0 → ignored; more than the server's maxWindow → lowered.
// - timeout: 1–maxTimeoutSec (RFC 2349 allows up to 255 s but no other answer than the client's own
//   value): outside our range → ignored, and the server's retransmission timeout applies. A client
//   cannot hold a session for retries × 255 s.
// - tsize: up to 10 digits (RFC 2349: "0" in a read request); answered with the size that is sent.
// An option value is at most 10 digits: longer ones are ignored before any conversion.
import { MAX_BLKSIZE, type RawOptions } from './packet.js';

export const DEFAULT_BLKSIZE = 512;
export const MIN_BLKSIZE = 8;
export const MAX_WINDOWSIZE = 65535;
/** RFC 2349 bounds of the timeout option, in seconds. */
export const MIN_TIMEOUT_SEC = 1;
export const MAX_TIMEOUT_SEC = 255;
/** The largest client timeout the server agrees to by default. */
export const DEFAULT_MAX_TIMEOUT_SEC = 10;

export interface OptionLimits {
  /** Largest block size the server agrees to (≤ 65464). */
  maxBlksize: number;
  /** Largest window the server agrees to (≤ 65535). */
  maxWindow: number;
  /** Largest client timeout agreed, in seconds (1–255; default DEFAULT_MAX_TIMEOUT_SEC). */
  maxTimeoutSec?: number;
}

export interface TransferParameters {
  blksize: number;
  windowsize: number;
  /** Retransmission timeout asked by the client, in seconds (1–maxTimeoutSec), if any. */
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

function acceptTimeout(requested: RawOptions, limits: OptionLimits): number | undefined {
  const value = integer(requested.timeout);
  const max = Math.min(limits.maxTimeoutSec ?? DEFAULT_MAX_TIMEOUT_SEC, MAX_TIMEOUT_SEC);
  return value !== undefined && value >= MIN_TIMEOUT_SEC && value <= max ? value : undefined;
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
  const timeoutSec = acceptTimeout(requested, limits);
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
