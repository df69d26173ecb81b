// Discovery of unknown x86 PCs in DHCP: on a segment with autoRegister, x86 PXE firmware gets iPXE and
// iPXE gets the discovery script; once iPXE says `walt.node.<model>` it is reported for registration.
// Elsewhere (no autoRegister, other architectures, non-PXE clients) an unknown machine gets an address only.
import type { WaltSegment } from '../../api/v1alpha1/index.js';
import { fixtureView, nodeObject, readyImage, segmentObject } from '../../test/support/fixtures/dhcp.js';
import { offersDiscovery } from './boot-options.js';
import { dhcpConfigOf } from './config.js';
import { emptyLeases } from './leases.js';
import { getString, MessageType, OPT, u16Value, u8Value } from './options.js';
import { emptyPacket, macToBuffer, type DhcpPacket } from './packet.js';
import { respond, type RespondContext } from './responder.js';

const UNKNOWN = '52:54:00:aa:bb:01';

function segment(autoRegister: boolean, mode: 'authoritative' | 'proxy' = 'authoritative'): WaltSegment {
  const s = segmentObject(mode);
  return { ...s, spec: { ...s.spec, autoRegister } };
}

function context(seg: WaltSegment, localPort = 67): RespondContext {
  return {
    config: dhcpConfigOf('lab', seg.spec),
    view: fixtureView(
      seg,
      [nodeObject('pc1', '52:54:00:00:00:01', 'pc-x86-64')],
      [readyImage(['pc-x86-64'])],
    ),
    reserved: new Map(),
    leases: emptyLeases(),
    now: 1_000_000,
    localPort,
  };
}

function discover(options: Array<[number, Buffer]>, type: number = MessageType.DISCOVER): DhcpPacket {
  return {
    ...emptyPacket(),
    xid: 9,
    chaddr: macToBuffer(UNKNOWN),
    options: new Map([[OPT.MESSAGE_TYPE, u8Value(type)], ...options]),
  };
}

const pxe = (arch: number): Array<[number, Buffer]> => [
  [OPT.VENDOR_CLASS, Buffer.from(`PXEClient:Arch:${String(arch).padStart(5, '0')}:UNDI:003016`)],
  [OPT.CLIENT_ARCH, u16Value(arch)],
];
const ipxe = (arch: number, userClass = 'iPXE'): Array<[number, Buffer]> => [
  ...pxe(arch),
  [OPT.USER_CLASS, Buffer.from(userClass)],
  [OPT.IPXE_ENCAP, Buffer.from([0x13, 1, 1])],
];

describe('discovery of unknown x86 PCs (autoRegister)', () => {
  it.each([
    [0, 'undionly.kpxe'],
    [7, 'ipxe.efi'],
    [9, 'ipxe.efi'],
  ])('gives unknown PXE firmware of arch %i next-server and %s', (arch, file) => {
    const offer = respond(discover(pxe(arch)), context(segment(true)));
    expect(offer.reply!.yiaddr).toBe('10.0.0.100');
    expect(offer.reply!.siaddr).toBe('10.0.0.1');
    expect(offer.reply!.file).toBe(file);
    expect(getString(offer.reply!.options, OPT.TFTP_SERVER_NAME)).toBe('10.0.0.1');
    // Not registered yet: PXE firmware does not say its model
    expect(offer.discovered).toBeUndefined();
  });

  it.each([0, 7])('gives unknown iPXE (arch %i) the HTTP script URL, unregistered', (arch) => {
    const offer = respond(discover(ipxe(arch)), context(segment(true)));
    expect(offer.reply!.file).toBe('http://10.0.0.1/ipxe/boot.ipxe');
    expect(offer.discovered).toBeUndefined();
  });

  it('reports iPXE that announces walt.node.pc-x86-64 (the discovery script) for registration', () => {
    const offer = respond(discover(ipxe(0, 'walt.node.pc-x86-64')), context(segment(true)));
    expect(offer.discovered).toMatchObject({ mac: UNKNOWN, model: 'pc-x86-64', ip: '10.0.0.100' });
    // Unknown until the agent registers it: no file, the script chains the node's own URL itself
    expect(offer.reply!.file).toBe('');
  });

  it('gives nothing to boot to an unknown machine of another architecture or no PXE', () => {
    for (const options of [pxe(11), pxe(6), ipxe(11), [] as Array<[number, Buffer]>]) {
      const offer = respond(discover(options), context(segment(true)));
      expect(offer.reply!.yiaddr).toBe('10.0.0.100');
      expect(offer.reply!.file).toBe('');
      expect(offer.reply!.siaddr).toBe('0.0.0.0');
    }
  });

  it('gives nothing to boot to unknown PXE or iPXE on a segment without autoRegister', () => {
    for (const options of [pxe(0), pxe(7), ipxe(0)]) {
      const offer = respond(discover(options), context(segment(false)));
      expect(offer.reply!.yiaddr).toBe('10.0.0.100');
      expect(offer.reply!.file).toBe('');
      expect(offer.reply!.options.has(OPT.BOOTFILE_NAME)).toBe(false);
    }
  });

  it('answers unknown PXE in proxy mode with the iPXE binary, without an address', () => {
    const offer = respond(discover(pxe(7)), context(segment(true, 'proxy')));
    expect(offer.reply!.yiaddr).toBe('0.0.0.0');
    expect(offer.reply!.file).toBe('ipxe.efi');
    expect(respond(discover(pxe(7)), context(segment(false, 'proxy'))).reply).toBeUndefined();
  });

  it('offers discovery only for an unknown MAC', () => {
    const known = { allow: false as const, reason: 'ImageNotReady' as const, message: 'x' };
    expect(offersDiscovery({ kind: 'pxe', arch: 'x86-bios', archCode: 0 }, known, true)).toBe(false);
    const unknown = { allow: false as const, reason: 'UnknownNode' as const, message: 'x' };
    expect(offersDiscovery({ kind: 'pxe', arch: 'x86-bios', archCode: 0 }, unknown, true)).toBe(true);
    expect(offersDiscovery({ kind: 'pxe', arch: 'x86-bios', archCode: 0 }, unknown, false)).toBe(false);
    expect(offersDiscovery({ kind: 'other' }, unknown, true)).toBe(false);
  });
});
