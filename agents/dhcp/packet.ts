// The BOOTP/DHCP wire format (RFC 951, RFC 2131 §2, RFC 2132 §2-3, RFC 3396): a fixed 236-byte header,
// the magic cookie, then TLV options. decode() never throws and does work linear in the packet size;
// options split into several instances are concatenated (RFC 3396), and option 52 (overload) makes the
// `file` and `sname` fields carry options too. encode() splits values longer than 255 bytes.
import type { WaltError } from '../../common/errors.js';
import {
  DhcpBadCookie,
  DhcpBadHlen,
  DhcpBadOp,
  DhcpOptionOverrun,
  DhcpTooLarge,
  DhcpTruncated,
} from './errors.js';

export const BOOTREQUEST = 1;
export const BOOTREPLY = 2;
export const BROADCAST_FLAG = 0x8000;
export const HTYPE_ETHERNET = 1;
export const MAGIC_COOKIE = 0x63825363;
export const HEADER_SIZE = 236;
/**
 * Largest packet decode() accepts. A client sends at most 576 bytes unless it announces more (option
 * 57), and a request fits one Ethernet frame (1472 bytes of UDP payload); 4096 leaves room for jumbo
 * frames and long option lists. Every option (a concatenation of instances included, RFC 3396) is then
 * at most this size, and the work of decoding and answering a packet linear in it.
 */
export const MAX_PACKET_SIZE = 4096;
/** BOOTP relays and old clients expect at least this many bytes (RFC 1542 §2.1). */
export const MIN_PACKET_SIZE = 300;

const OPT_PAD = 0;
const OPT_OVERLOAD = 52;
const OPT_END = 255;
const SNAME_OFFSET = 44;
const SNAME_SIZE = 64;
const FILE_OFFSET = 108;
const FILE_SIZE = 128;

export interface DhcpPacket {
  op: number;
  htype: number;
  hlen: number;
  hops: number;
  xid: number;
  secs: number;
  /** Bit 15 (BROADCAST_FLAG) asks for broadcast replies. */
  flags: number;
  ciaddr: string;
  yiaddr: string;
  siaddr: string;
  giaddr: string;
  /** The client hardware address: `hlen` bytes (at most 16). */
  chaddr: Buffer;
  sname: string;
  file: string;
  /** Options by code, in wire order, split instances already concatenated; pad, end and 52 excluded. */
  options: Map<number, Buffer>;
}

export type DecodeResult = { ok: true; packet: DhcpPacket } | { ok: false; error: WaltError };

function ipAt(buf: Buffer, offset: number): string {
  return `${buf[offset]}.${buf[offset + 1]}.${buf[offset + 2]}.${buf[offset + 3]}`;
}

/** A NUL-terminated ASCII field. */
function cstring(field: Buffer): string {
  const end = field.indexOf(0);
  return field.toString('latin1', 0, end === -1 ? field.length : end);
}

/** Reads the TLV options of one field into `into` (concatenating repeats); an error on overrun. */
function readOptions(field: Buffer, into: Map<number, Buffer[]>): WaltError | undefined {
  let i = 0;
  while (i < field.length) {
    const code = field[i] ?? OPT_END;
    if (code === OPT_END) return undefined;
    if (code === OPT_PAD) {
      i += 1;
      continue;
    }
    const len = field[i + 1];
    if (len === undefined || i + 2 + len > field.length) return DhcpOptionOverrun(code);
    const parts = into.get(code);
    const value = field.subarray(i + 2, i + 2 + len);
    if (parts) parts.push(value);
    else into.set(code, [value]);
    i += 2 + len;
  }
  return undefined;
}

function checkHeader(buf: Buffer): WaltError | undefined {
  if (buf.length > MAX_PACKET_SIZE) return DhcpTooLarge(buf.length, MAX_PACKET_SIZE);
  if (buf.length < HEADER_SIZE + 4) return DhcpTruncated(buf.length);
  const op = buf[0] ?? 0;
  if (op !== BOOTREQUEST && op !== BOOTREPLY) return DhcpBadOp(op);
  const hlen = buf[2] ?? 0;
  if (hlen > 16) return DhcpBadHlen(hlen);
  if (buf.readUInt32BE(HEADER_SIZE) !== MAGIC_COOKIE) return DhcpBadCookie();
  return undefined;
}

/** Options field, then `file`, then `sname` when option 52 says so (RFC 3396 §5 order). */
function readAllOptions(buf: Buffer): Map<number, Buffer[]> | WaltError {
  const parts = new Map<number, Buffer[]>();
  const error = readOptions(buf.subarray(HEADER_SIZE + 4), parts);
  if (error) return error;
  const overload = parts.get(OPT_OVERLOAD)?.[0]?.[0] ?? 0;
  const fields: Buffer[] = [];
  if (overload & 1) fields.push(buf.subarray(FILE_OFFSET, FILE_OFFSET + FILE_SIZE));
  if (overload & 2) fields.push(buf.subarray(SNAME_OFFSET, SNAME_OFFSET + SNAME_SIZE));
  for (const field of fields) {
    const fieldError = readOptions(field, parts);
    if (fieldError) return fieldError;
  }
  return parts;
}

export function decode(buf: Buffer): DecodeResult {
  const headerError = checkHeader(buf);
  if (headerError) return { ok: false, error: headerError };
  const parts = readAllOptions(buf);
  if (!(parts instanceof Map)) return { ok: false, error: parts };
  const overload = parts.get(OPT_OVERLOAD)?.[0]?.[0] ?? 0;
  parts.delete(OPT_OVERLOAD);
  const options = new Map<number, Buffer>();
  for (const [code, values] of parts)
    options.set(code, values.length === 1 ? values[0]! : Buffer.concat(values));
  return { ok: true, packet: readHeader(buf, overload, options) };
}

function readHeader(buf: Buffer, overload: number, options: Map<number, Buffer>): DhcpPacket {
  const [op = 0, htype = 0, hlen = 0, hops = 0] = buf;
  return {
    op,
    htype,
    hlen,
    hops,
    xid: buf.readUInt32BE(4),
    secs: buf.readUInt16BE(8),
    flags: buf.readUInt16BE(10),
    ciaddr: ipAt(buf, 12),
    yiaddr: ipAt(buf, 16),
    siaddr: ipAt(buf, 20),
    giaddr: ipAt(buf, 24),
    chaddr: Buffer.from(buf.subarray(28, 28 + hlen)),
    sname: overload & 2 ? '' : cstring(buf.subarray(SNAME_OFFSET, SNAME_OFFSET + SNAME_SIZE)),
    file: overload & 1 ? '' : cstring(buf.subarray(FILE_OFFSET, FILE_OFFSET + FILE_SIZE)),
    options,
  };
}

function writeIp(buf: Buffer, offset: number, ip: string): void {
  if (ip === '0.0.0.0') return; // the buffer is zeroed
  const parts = ip.split('.');
  for (let i = 0; i < 4; i += 1) buf[offset + i] = Number(parts[i] ?? 0) & 0xff;
}

function isEncoded(code: number): boolean {
  return code !== OPT_PAD && code !== OPT_END && code !== OPT_OVERLOAD;
}

/** Bytes the options take on the wire, end included. */
function optionsSize(options: Map<number, Buffer>): number {
  let size = 1;
  for (const [code, value] of options)
    if (isEncoded(code)) size += value.length + 2 * Math.max(1, Math.ceil(value.length / 255));
  return size;
}

/** Writes the options at `offset`, then end. RFC 3396: a value over 255 bytes goes out as consecutive instances. */
function writeOptions(buf: Buffer, offset: number, options: Map<number, Buffer>): void {
  let at = offset;
  for (const [code, value] of options) {
    if (!isEncoded(code)) continue;
    for (let from = 0; from === 0 || from < value.length; from += 255) {
      const length = Math.min(255, value.length - from);
      buf[at] = code;
      buf[at + 1] = length;
      value.copy(buf, at + 2, from, from + length);
      at += 2 + length;
    }
  }
  buf[at] = OPT_END;
}

/** The wire form of a packet (options in map order, then end; padded to 300 bytes), in one buffer. */
export function encode(packet: DhcpPacket): Buffer {
  const size = HEADER_SIZE + 4 + optionsSize(packet.options);
  // From Node's shared pool (a reply is a few hundred bytes), zeroed: padding and unset fields are 0.
  const buf = Buffer.allocUnsafe(Math.max(size, MIN_PACKET_SIZE)).fill(0);
  buf[0] = packet.op;
  buf[1] = packet.htype;
  buf[2] = Math.min(packet.hlen, 16);
  buf[3] = packet.hops;
  buf.writeUInt32BE(packet.xid >>> 0, 4);
  buf.writeUInt16BE(packet.secs & 0xffff, 8);
  buf.writeUInt16BE(packet.flags & 0xffff, 10);
  writeIp(buf, 12, packet.ciaddr);
  writeIp(buf, 16, packet.yiaddr);
  writeIp(buf, 20, packet.siaddr);
  writeIp(buf, 24, packet.giaddr);
  packet.chaddr.copy(buf, 28, 0, Math.min(packet.chaddr.length, 16));
  buf.write(packet.sname, SNAME_OFFSET, SNAME_SIZE - 1, 'latin1');
  buf.write(packet.file, FILE_OFFSET, FILE_SIZE - 1, 'latin1');
  buf.writeUInt32BE(MAGIC_COOKIE, HEADER_SIZE);
  writeOptions(buf, HEADER_SIZE + 4, packet.options);
  return buf;
}

/** The client MAC as lowercase `aa:bb:…` (the first `hlen` bytes of chaddr). */
export function macOf(packet: DhcpPacket): string {
  return [...packet.chaddr.subarray(0, packet.hlen)].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

export function macToBuffer(mac: string): Buffer {
  return Buffer.from(mac.replaceAll(/[:-]/g, ''), 'hex');
}

/** An empty packet with every field set, to spread over. */
export function emptyPacket(op: number = BOOTREQUEST): DhcpPacket {
  return {
    op,
    htype: 1,
    hlen: 6,
    hops: 0,
    xid: 0,
    secs: 0,
    flags: 0,
    ciaddr: '0.0.0.0',
    yiaddr: '0.0.0.0',
    siaddr: '0.0.0.0',
    giaddr: '0.0.0.0',
    chaddr: Buffer.alloc(6),
    sname: '',
    file: '',
    options: new Map(),
  };
}
