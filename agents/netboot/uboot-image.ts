// u-boot's legacy image format, for script images only (`mkimage -T script`): what u-boot's `source`
// runs after a TFTP load. The agent makes node scripts at request time (their kernel arguments depend on
// the node, its image and the segment), so it writes the 64-byte header itself instead of spawning
// mkimage per request; the format is small and fixed (u-boot include/image.h), and the decoder lets the
// tests compare both ways with the real mkimage (ADR 0018).
//
// Header, big-endian: magic, header CRC32 (computed with this field zero), time, data size, load
// address, entry point, data CRC32, os, arch, type, compression, 32-byte name. A script's data is a
// "multi-file" list: each length as u32, a 0 terminator, then the script text.
import { crc32 } from 'node:zlib';
import { UbootImageInvalid } from './errors.js';

export const UBOOT_MAGIC = 0x27051956;
export const HEADER_BYTES = 64;
const NAME_BYTES = 32;
const IH_OS_LINUX = 5;
const IH_TYPE_SCRIPT = 6;
const IH_COMP_NONE = 0;
/** u-boot's IH_ARCH codes for the architectures whose u-boot we serve. */
export const IH_ARCH = { arm: 2, arm64: 22 } as const;
/** Largest script made or read: a boot script is a few hundred bytes. */
export const MAX_SCRIPT_BYTES = 64 * 1024;

export interface ScriptImage {
  name: string;
  arch: keyof typeof IH_ARCH;
  script: string;
}

/** A script image as `mkimage -A <arch> -O linux -T script -C none -n <name>` makes it (time 0). */
export function encodeScriptImage(image: ScriptImage): Buffer {
  const script = Buffer.from(image.script, 'utf8');
  if (script.length > MAX_SCRIPT_BYTES) throw UbootImageInvalid(`script of ${script.length} bytes`);
  const name = Buffer.from(image.name, 'utf8');
  if (name.length >= NAME_BYTES) throw UbootImageInvalid(`name "${image.name}" longer than 31 bytes`);
  const data = Buffer.alloc(8 + script.length);
  data.writeUInt32BE(script.length, 0);
  data.writeUInt32BE(0, 4);
  script.copy(data, 8);
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32BE(UBOOT_MAGIC, 0);
  header.writeUInt32BE(0, 8); // time: 0, so the same script is the same bytes
  header.writeUInt32BE(data.length, 12);
  header.writeUInt32BE(crc32(data), 24);
  header.writeUInt8(IH_OS_LINUX, 28);
  header.writeUInt8(IH_ARCH[image.arch], 29);
  header.writeUInt8(IH_TYPE_SCRIPT, 30);
  header.writeUInt8(IH_COMP_NONE, 31);
  name.copy(header, 32);
  header.writeUInt32BE(crc32(header), 4);
  return Buffer.concat([header, data]);
}

function archName(code: number): keyof typeof IH_ARCH {
  for (const [name, value] of Object.entries(IH_ARCH))
    if (value === code) return name as keyof typeof IH_ARCH;
  throw UbootImageInvalid(`architecture code ${code}`);
}

/** The header checks u-boot makes: length bounds, magic, header CRC. */
function checkHeader(bytes: Buffer): void {
  if (bytes.length < HEADER_BYTES + 8)
    throw UbootImageInvalid(`${bytes.length} bytes, shorter than a header`);
  if (bytes.length > HEADER_BYTES + 8 + MAX_SCRIPT_BYTES) throw UbootImageInvalid(`${bytes.length} bytes`);
  if (bytes.readUInt32BE(0) !== UBOOT_MAGIC) throw UbootImageInvalid('bad magic');
  const header = Buffer.from(bytes.subarray(0, HEADER_BYTES));
  const headerCrc = header.readUInt32BE(4);
  header.writeUInt32BE(0, 4);
  if (crc32(header) !== headerCrc) throw UbootImageInvalid('bad header CRC');
}

/** Reads a script image back, checking what u-boot checks (magic, both CRCs, type); bounded first. */
export function decodeScriptImage(bytes: Buffer): ScriptImage {
  checkHeader(bytes);
  const size = bytes.readUInt32BE(12);
  const data = bytes.subarray(HEADER_BYTES);
  if (data.length < size) throw UbootImageInvalid(`data of ${data.length} bytes, header says ${size}`);
  if (crc32(data.subarray(0, size)) !== bytes.readUInt32BE(24)) throw UbootImageInvalid('bad data CRC');
  if (bytes.readUInt8(30) !== IH_TYPE_SCRIPT)
    throw UbootImageInvalid(`type ${bytes.readUInt8(30)}, not a script`);
  const length = data.readUInt32BE(0);
  // mkimage may list one more length after the first; the script follows the 0 terminator.
  let offset = 4;
  while (offset + 4 <= size && data.readUInt32BE(offset) !== 0) offset += 4;
  const start = offset + 4;
  if (start + length > size) throw UbootImageInvalid(`script of ${length} bytes past the data`);
  const nameBytes = bytes.subarray(32, 64);
  const end = nameBytes.indexOf(0);
  return {
    name: nameBytes.subarray(0, end < 0 ? NAME_BYTES : end).toString('utf8'),
    arch: archName(bytes.readUInt8(29)),
    script: data.subarray(start, start + length).toString('utf8'),
  };
}
