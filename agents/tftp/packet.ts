// TFTP packet codec: RFC 1350 (RRQ, WRQ, DATA, ACK, ERROR) and RFC 2347 option extension (options in
// requests, OACK). Pure. decodePacket never throws: hostile input gives a coded error result.
import type { WaltError } from '../../common/errors.js';
import { TftpMalformedPacket } from './errors.js';

export const OPCODE = { RRQ: 1, WRQ: 2, DATA: 3, ACK: 4, ERROR: 5, OACK: 6 } as const;

/** TFTP ERROR codes (RFC 1350 §5, RFC 2347 for 8). */
export const TFTP_ERROR = {
  NOT_DEFINED: 0,
  FILE_NOT_FOUND: 1,
  ACCESS_VIOLATION: 2,
  DISK_FULL: 3,
  ILLEGAL_OPERATION: 4,
  UNKNOWN_TID: 5,
  FILE_EXISTS: 6,
  NO_SUCH_USER: 7,
  OPTION_REFUSED: 8,
} as const;

/** Option names are case-insensitive (RFC 2347): keys here are lower case; the first occurrence wins. */
export type RawOptions = Record<string, string>;

export interface RequestPacket {
  op: 'RRQ' | 'WRQ';
  filename: string;
  /** Lower case: "octet", "netascii" or "mail". */
  mode: string;
  options: RawOptions;
}
export interface DataPacket {
  op: 'DATA';
  block: number;
  data: Buffer;
}
export interface AckPacket {
  op: 'ACK';
  block: number;
}
export interface ErrorPacket {
  op: 'ERROR';
  code: number;
  message: string;
}
export interface OackPacket {
  op: 'OACK';
  options: RawOptions;
}
export type TftpPacket = RequestPacket | DataPacket | AckPacket | ErrorPacket | OackPacket;

export type DecodeResult = { ok: true; packet: TftpPacket } | { ok: false; error: WaltError };

const MODES = new Set(['octet', 'netascii', 'mail']);
/** Largest request (RFC 2347 §"Packet Formats": options included, a request fits in 512 bytes). */
export const MAX_REQUEST_SIZE = 512;
/** Most option pairs a request may carry; more is hostile. */
const MAX_OPTIONS = 32;
/** Longest DATA payload (RFC 2348 upper bound of blksize). */
export const MAX_BLKSIZE = 65464;

function malformed(reason: string): DecodeResult {
  return { ok: false, error: TftpMalformedPacket(reason) };
}

/** Splits NUL-terminated strings starting at `from`; undefined when the last one is not terminated. */
function splitStrings(buf: Buffer, from: number): string[] | undefined {
  const out: string[] = [];
  let start = from;
  while (start < buf.length) {
    const end = buf.indexOf(0, start);
    if (end < 0) return undefined;
    out.push(buf.toString('utf8', start, end));
    start = end + 1;
  }
  return out;
}

function pairsToOptions(strings: string[]): RawOptions | string {
  if (strings.length % 2 !== 0) return 'option without a value';
  if (strings.length / 2 > MAX_OPTIONS) return 'too many options';
  // No prototype: a hostile option named "__proto__" is just a name.
  const options = Object.create(null) as RawOptions;
  for (let i = 0; i < strings.length; i += 2) {
    const name = (strings[i] ?? '').toLowerCase();
    if (name === '') return 'empty option name';
    if (!Object.hasOwn(options, name)) options[name] = strings[i + 1] ?? '';
  }
  return options;
}

function decodeRequest(buf: Buffer, op: 'RRQ' | 'WRQ'): DecodeResult {
  if (buf.length > MAX_REQUEST_SIZE) return malformed(`request larger than ${MAX_REQUEST_SIZE} bytes`);
  const strings = splitStrings(buf, 2);
  if (!strings || strings.length < 2) return malformed('request without a NUL-terminated filename and mode');
  const [filename = '', rawMode = '', ...rest] = strings;
  if (filename === '') return malformed('empty filename');
  const mode = rawMode.toLowerCase();
  if (!MODES.has(mode)) return malformed(`unknown mode "${rawMode.slice(0, 32)}"`);
  const options = pairsToOptions(rest);
  if (typeof options === 'string') return malformed(options);
  return { ok: true, packet: { op, filename, mode, options } };
}

function decodeOack(buf: Buffer): DecodeResult {
  const strings = splitStrings(buf, 2);
  if (!strings) return malformed('OACK option not NUL-terminated');
  const options = pairsToOptions(strings);
  if (typeof options === 'string') return malformed(options);
  return { ok: true, packet: { op: 'OACK', options } };
}

function decodeError(buf: Buffer): DecodeResult {
  if (buf.length < 4) return malformed('short ERROR');
  const end = buf.indexOf(0, 4);
  const message = buf.toString('utf8', 4, end < 0 ? buf.length : end);
  return { ok: true, packet: { op: 'ERROR', code: buf.readUInt16BE(2), message } };
}

function decodeData(buf: Buffer): DecodeResult {
  if (buf.length < 4) return malformed('short DATA');
  if (buf.length - 4 > MAX_BLKSIZE) return malformed('DATA larger than the largest block size');
  return { ok: true, packet: { op: 'DATA', block: buf.readUInt16BE(2), data: buf.subarray(4) } };
}

function decodeAck(buf: Buffer): DecodeResult {
  // Some PXE ROMs pad ACKs: extra bytes are tolerated.
  if (buf.length < 4) return malformed('short ACK');
  return { ok: true, packet: { op: 'ACK', block: buf.readUInt16BE(2) } };
}

/** Whether `buf` claims to be an ERROR packet: never answered, even when malformed (no error loops). */
export function isErrorPacket(buf: Buffer): boolean {
  return buf.length >= 2 && buf.readUInt16BE(0) === OPCODE.ERROR;
}

export function decodePacket(buf: Buffer): DecodeResult {
  if (buf.length < 2) return malformed('shorter than an opcode');
  switch (buf.readUInt16BE(0)) {
    case OPCODE.RRQ:
      return decodeRequest(buf, 'RRQ');
    case OPCODE.WRQ:
      return decodeRequest(buf, 'WRQ');
    case OPCODE.DATA:
      return decodeData(buf);
    case OPCODE.ACK:
      return decodeAck(buf);
    case OPCODE.ERROR:
      return decodeError(buf);
    case OPCODE.OACK:
      return decodeOack(buf);
    default:
      return malformed(`unknown opcode ${buf.readUInt16BE(0)}`);
  }
}

function cstrings(values: string[]): Buffer[] {
  return values.flatMap((v) => [Buffer.from(v, 'utf8'), Buffer.alloc(1)]);
}

function withOpcode(op: number, parts: Buffer[]): Buffer {
  const head = Buffer.alloc(2);
  head.writeUInt16BE(op, 0);
  return Buffer.concat([head, ...parts]);
}

function optionStrings(options: RawOptions): string[] {
  return Object.entries(options).flatMap(([k, v]) => [k, v]);
}

export function encodeRequest(packet: Omit<RequestPacket, 'op'> & { op?: 'RRQ' | 'WRQ' }): Buffer {
  const op = packet.op === 'WRQ' ? OPCODE.WRQ : OPCODE.RRQ;
  return withOpcode(op, cstrings([packet.filename, packet.mode, ...optionStrings(packet.options)]));
}

export function encodeOack(options: RawOptions): Buffer {
  return withOpcode(OPCODE.OACK, cstrings(optionStrings(options)));
}

export function encodeAck(block: number): Buffer {
  const buf = Buffer.alloc(4);
  buf.writeUInt16BE(OPCODE.ACK, 0);
  buf.writeUInt16BE(block & 0xffff, 2);
  return buf;
}

export function encodeError(code: number, message: string): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16BE(OPCODE.ERROR, 0);
  head.writeUInt16BE(code & 0xffff, 2);
  return Buffer.concat([head, ...cstrings([message])]);
}

/** Writes the 4-byte DATA header at the start of `buf` (the payload follows at offset 4). */
export function writeDataHeader(buf: Buffer, block: number): void {
  buf.writeUInt16BE(OPCODE.DATA, 0);
  buf.writeUInt16BE(block & 0xffff, 2);
}

export function encodeData(block: number, data: Buffer): Buffer {
  const buf = Buffer.allocUnsafe(4 + data.length);
  writeDataHeader(buf, block);
  data.copy(buf, 4);
  return buf;
}
