import { BROADCAST_FLAG, decode, emptyPacket, encode, macOf, type DhcpPacket } from './packet.js';
import { OPT } from './options.js';
import { header, ipxeDiscoverBytes, PC_MAC } from '../../test/support/fixtures/dhcp.js';

function decoded(buf: Buffer): DhcpPacket {
  const result = decode(buf);
  if (!result.ok) throw new Error(result.error.code);
  return result.packet;
}

describe('decode', () => {
  it('Given an iPXE DISCOVER built by hand, when decoded, then header fields and options are read', () => {
    const packet = decoded(ipxeDiscoverBytes());
    expect(packet.op).toBe(1);
    expect(packet.xid).toBe(0x12345678);
    expect(packet.flags & BROADCAST_FLAG).toBe(BROADCAST_FLAG);
    expect(macOf(packet)).toBe('52:54:00:12:34:56');
    expect([...packet.options.keys()]).toEqual([53, 55, 60, 77, 93, 94, 97, 175]);
    expect(packet.options.get(OPT.VENDOR_CLASS)?.toString()).toBe('PXEClient:Arch:00000:UNDI:002001');
    expect([...(packet.options.get(OPT.PARAMETER_REQUEST_LIST) ?? [])]).toEqual([1, 3, 6, 66, 67]);
  });

  it('Given an OFFER built by hand, then yiaddr, siaddr, file and options are read', () => {
    const bytes = header(PC_MAC, { op: 2 });
    bytes.splice(16, 4, 10, 0, 0, 100);
    bytes.splice(20, 4, 10, 0, 0, 1);
    bytes.splice(108, 13, ...Buffer.from('undionly.kpxe'));
    const packet = decoded(Buffer.from([...bytes, 53, 1, 2, 54, 4, 10, 0, 0, 1, 51, 4, 0, 0, 14, 16, 255]));
    expect(packet).toMatchObject({ op: 2, yiaddr: '10.0.0.100', siaddr: '10.0.0.1', file: 'undionly.kpxe' });
    expect(packet.options.get(OPT.LEASE_TIME)?.readUInt32BE(0)).toBe(3600);
  });

  it('skips pad options and stops at end', () => {
    const packet = decoded(Buffer.from([...header(PC_MAC), 0, 0, 53, 1, 3, 255, 12, 99]));
    expect([...packet.options.keys()]).toEqual([53]);
  });

  it('concatenates split long options (RFC 3396)', () => {
    const a = new Array<number>(255).fill(0x61);
    const b = new Array<number>(45).fill(0x62);
    const packet = decoded(
      Buffer.from([...header(PC_MAC), 53, 1, 1, 43, 255, ...a, 12, 2, 104, 105, 43, 45, ...b, 255]),
    );
    expect(packet.options.get(43)?.length).toBe(300);
    expect(packet.options.get(43)?.toString()).toBe('a'.repeat(255) + 'b'.repeat(45));
  });

  it('reads options from file and sname when option 52 overloads them', () => {
    const bytes = header(PC_MAC);
    bytes.splice(108, 6, 67, 3, 0x61, 0x62, 0x63, 255);
    bytes.splice(44, 5, 66, 2, 0x68, 0x69, 255);
    const packet = decoded(Buffer.from([...bytes, 53, 1, 2, 52, 1, 3, 255]));
    expect(packet.options.get(OPT.BOOTFILE_NAME)?.toString()).toBe('abc');
    expect(packet.options.get(OPT.TFTP_SERVER_NAME)?.toString()).toBe('hi');
    expect(packet.file).toBe('');
    expect(packet.sname).toBe('');
  });

  it.each([
    ['truncated', Buffer.alloc(100), 'WALT_ERR_DHCP_TRUNCATED'],
    [
      'bad cookie',
      Buffer.from(header(PC_MAC).map((b, i) => (i === 236 ? 0 : b))),
      'WALT_ERR_DHCP_BAD_COOKIE',
    ],
    ['bad op', Buffer.from(header(PC_MAC, { op: 7 })), 'WALT_ERR_DHCP_BAD_OP'],
    ['option overrun', Buffer.from([...header(PC_MAC), 53, 10, 1]), 'WALT_ERR_DHCP_OPTION_OVERRUN'],
    ['too large', Buffer.alloc(70000), 'WALT_ERR_DHCP_TOO_LARGE'],
    ['larger than 4096 bytes', Buffer.alloc(4097), 'WALT_ERR_DHCP_TOO_LARGE'],
  ])('Given a %s packet, then a coded error is returned', (_name, buf, code) => {
    const result = decode(buf);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe(code);
  });
});

describe('encode', () => {
  it('round-trips the hand-built DISCOVER', () => {
    const packet = decoded(ipxeDiscoverBytes());
    const again = decoded(encode(packet));
    expect(again).toEqual(packet);
  });

  it('splits options longer than 255 bytes and pads to 300 bytes', () => {
    const packet: DhcpPacket = { ...emptyPacket(2), options: new Map([[43, Buffer.alloc(600, 7)]]) };
    const wire = encode(packet);
    expect(wire[240]).toBe(43);
    expect(wire[241]).toBe(255);
    expect(wire[240 + 257]).toBe(43);
    expect(decoded(wire).options.get(43)).toEqual(Buffer.alloc(600, 7));
    expect(encode(emptyPacket()).length).toBe(300);
  });

  it('writes header fields at their RFC 2131 offsets', () => {
    const wire = encode({
      ...emptyPacket(2),
      xid: 0xdeadbeef,
      yiaddr: '10.0.0.9',
      file: 'ipxe.efi',
      chaddr: Buffer.from(PC_MAC),
    });
    expect(wire.readUInt32BE(4)).toBe(0xdeadbeef);
    expect([...wire.subarray(16, 20)]).toEqual([10, 0, 0, 9]);
    expect(wire.toString('latin1', 108, 116)).toBe('ipxe.efi');
    expect([...wire.subarray(28, 34)]).toEqual(PC_MAC);
    expect(wire.readUInt32BE(236)).toBe(0x63825363);
  });
});
