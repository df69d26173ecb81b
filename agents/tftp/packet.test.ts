import fc from 'fast-check';
import {
  decodePacket,
  encodeAck,
  encodeData,
  encodeError,
  encodeOack,
  encodeRequest,
  type TftpPacket,
} from './packet.js';

function hex(value: string): Buffer {
  return Buffer.from(value.replaceAll(' ', ''), 'hex');
}

function decoded(buf: Buffer): TftpPacket {
  const result = decodePacket(buf);
  if (!result.ok) throw new Error(`expected a packet, got ${result.error.code}`);
  return result.packet;
}

describe('decodePacket (golden packets)', () => {
  it('reads an RRQ with options, names case-insensitive, first occurrence wins', () => {
    // Given: RRQ "a/b" octet blksize=1468 TSIZE=0 blksize=9
    const buf = Buffer.from(
      '\x00\x01a/b\x00OCTET\x00blksize\x001468\x00TSIZE\x000\x00blksize\x009\x00',
      'latin1',
    );
    // Then
    expect(decoded(buf)).toEqual({
      op: 'RRQ',
      filename: 'a/b',
      mode: 'octet',
      options: { blksize: '1468', tsize: '0' },
    });
  });

  it('reads a WRQ without options', () => {
    expect(decoded(Buffer.from('\x00\x02f\x00netascii\x00', 'latin1'))).toEqual({
      op: 'WRQ',
      filename: 'f',
      mode: 'netascii',
      options: {},
    });
  });

  it('reads DATA, ACK (padded too), ERROR and OACK', () => {
    expect(decoded(hex('0003 ffff 6869'))).toEqual({ op: 'DATA', block: 65535, data: Buffer.from('hi') });
    expect(decoded(hex('0004 0102'))).toEqual({ op: 'ACK', block: 258 });
    expect(decoded(hex('0004 0102 0000'))).toEqual({ op: 'ACK', block: 258 });
    expect(decoded(Buffer.from('\x00\x05\x00\x01nope\x00', 'latin1'))).toEqual({
      op: 'ERROR',
      code: 1,
      message: 'nope',
    });
    expect(decoded(Buffer.from('\x00\x06blksize\x00512\x00', 'latin1'))).toEqual({
      op: 'OACK',
      options: { blksize: '512' },
    });
  });

  it.each([
    ['empty', ''],
    ['one byte', '00'],
    ['unknown opcode', '0009 0000'],
    ['opcode 0', '0000'],
    ['RRQ without NUL', '0001 6162'],
    ['RRQ without mode', '0001 6100'],
    ['RRQ empty filename', '0001 00 6f6374657400'],
    ['RRQ bad mode', '0001 6100 7a697000'],
    ['RRQ option without value', '0001 6100 6f6374657400 6100'],
    ['short ACK', '0004 00'],
    ['short DATA', '0003 00'],
    ['short ERROR', '0005 00'],
  ])('refuses %s with WALT_ERR_TFTP_MALFORMED_PACKET', (_name, bytes) => {
    const result = decodePacket(hex(bytes));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('WALT_ERR_TFTP_MALFORMED_PACKET');
  });

  it('refuses more than 32 options', () => {
    const options = Array.from({ length: 33 }, (_, i) => `o${i}\x001\x00`).join('');
    const result = decodePacket(Buffer.from(`\x00\x01f\x00octet\x00${options}`, 'latin1'));
    expect(result.ok).toBe(false);
  });
});

describe('encoders (golden packets)', () => {
  it('writes the RFC 1350 / 2347 layouts', () => {
    expect(encodeAck(0x10001).toString('hex')).toBe('00040001');
    expect(encodeData(65536, Buffer.from('x')).toString('hex')).toBe('0003000078');
    expect(encodeError(2, 'no').toString('hex')).toBe('000500026e6f00');
    expect(encodeOack({ tsize: '5' }).toString('latin1')).toBe('\x00\x06tsize\x005\x00');
    expect(
      encodeRequest({ filename: 'f', mode: 'octet', options: { windowsize: '8' } }).toString('latin1'),
    ).toBe('\x00\x01f\x00octet\x00windowsize\x008\x00');
  });
});

describe('decodePacket (fuzz)', () => {
  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1200 }), (bytes) => {
        const result = decodePacket(Buffer.from(bytes));
        if (!result.ok) expect(result.error.code).toBe('WALT_ERR_TFTP_MALFORMED_PACKET');
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on mutated valid requests', () => {
    const request = fc
      .record({
        filename: fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !s.includes('\0')),
        options: fc.dictionary(
          fc.constantFrom('blksize', 'tsize', 'timeout', 'windowsize', 'x'),
          fc.string({ maxLength: 8 }).filter((s) => !s.includes('\0')),
        ),
      })
      .map((r) => encodeRequest({ ...r, mode: 'octet' }));
    fc.assert(
      fc.property(request, fc.nat(), fc.integer({ min: 0, max: 255 }), (buf, at, value) => {
        const mutated = Buffer.from(buf);
        mutated[at % mutated.length] = value;
        decodePacket(mutated);
        decodePacket(mutated.subarray(0, at % mutated.length));
      }),
      { numRuns: 2000 },
    );
  });

  it('decodes what it encodes', () => {
    const name = fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !s.includes('\0'));
    fc.assert(
      fc.property(
        name,
        fc.dictionary(
          name.map((s) => s.toLowerCase()),
          fc.stringMatching(/^\d{1,6}$/),
        ),
        (f, o) => {
          expect(decoded(encodeRequest({ filename: f, mode: 'octet', options: o }))).toEqual({
            op: 'RRQ',
            filename: f,
            mode: 'octet',
            options: o,
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});
