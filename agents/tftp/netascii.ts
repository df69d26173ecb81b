// netascii (RFC 1350 appendix, after the Telnet NVT of RFC 764): the text mode every TFTP server must
// serve. Lines end with CR LF on the wire; a bare CR goes out as CR NUL. Files are stored with LF line
// ends, so LF → CR LF and CR → CR NUL (a stored CR LF becomes CR NUL CR LF, as tftp-hpa does: the
// client's reverse conversion gives back the exact bytes). Pure. The encoder works block by block: a
// block can end between the two bytes of an expansion, and the second one (`carry`) opens the next.
const CR = 0x0d;
const LF = 0x0a;
const NUL = 0x00;

/** No pending byte. */
export const NO_CARRY = -1;

/** Bytes `content` takes in netascii. */
export function netasciiSize(content: Buffer): number {
  let extra = 0;
  for (let i = 0; i < content.length; i++) {
    const byte = content[i];
    if (byte === LF || byte === CR) extra += 1;
  }
  return content.length + extra;
}

export interface EncodeStep {
  /** Source bytes consumed. */
  consumed: number;
  /** Bytes written to `out`. */
  written: number;
  /** The second byte of an expansion that did not fit, or NO_CARRY. */
  carry: number;
}

/**
 * Encodes `source` after the pending `carry` into `out`, stopping when `out` is full or the source is
 * consumed.
 */
export function encodeNetascii(source: Buffer, carry: number, out: Buffer): EncodeStep {
  const to = out.length;
  let at = 0;
  let pending = carry;
  if (pending !== NO_CARRY && at < to) {
    out[at++] = pending;
    pending = NO_CARRY;
  }
  let i = 0;
  while (pending === NO_CARRY && at < to && i < source.length) {
    const byte = source[i++]!;
    if (byte === LF || byte === CR) {
      out[at++] = CR;
      const second = byte === LF ? LF : NUL;
      if (at < to) out[at++] = second;
      else pending = second;
    } else out[at++] = byte;
  }
  return { consumed: i, written: at, carry: pending };
}

/** The whole of `content` in netascii. */
export function toNetascii(content: Buffer): Buffer {
  const out = Buffer.allocUnsafe(netasciiSize(content));
  encodeNetascii(content, NO_CARRY, out);
  return out;
}

/** The reverse (a client's side): CR LF → LF, CR NUL → CR; a CR followed by anything else is kept. */
export function fromNetascii(data: Buffer): Buffer {
  const out = Buffer.allocUnsafe(data.length);
  let at = 0;
  for (let i = 0; i < data.length; i++) {
    const byte = data[i]!;
    const next = data[i + 1];
    if (byte === CR && (next === LF || next === NUL)) {
      out[at++] = next === LF ? LF : CR;
      i += 1;
    } else out[at++] = byte;
  }
  return out.subarray(0, at);
}
