import { classify } from './client-class.js';
import { OPT, u16Value, userClassValue } from './options.js';
import { decode, emptyPacket, macToBuffer, type DhcpPacket } from './packet.js';
import { ipxeDiscoverBytes, rpiDiscoverBytes } from '../../test/support/fixtures/dhcp.js';

function request(mac: string, options: Array<[number, Buffer]>): DhcpPacket {
  return { ...emptyPacket(), chaddr: macToBuffer(mac), options: new Map(options) };
}
const vci = (text: string): [number, Buffer] => [OPT.VENDOR_CLASS, Buffer.from(text)];
const arch = (code: number): [number, Buffer] => [OPT.CLIENT_ARCH, u16Value(code)];
const PXE = 'PXEClient:Arch:00007:UNDI:003016';

describe('classify', () => {
  it.each([
    [0, 'x86-bios'],
    [6, 'x86-uefi'],
    [7, 'x86-uefi'],
    [9, 'x86-uefi'],
    [11, 'arm64-uefi'],
    [2, 'unknown'],
  ])('PXE client with arch %i → %s', (code, expected) => {
    expect(classify(request('00:11:22:33:44:55', [vci(PXE), arch(code)]))).toMatchObject({
      kind: 'pxe',
      arch: expected,
    });
  });

  it('iPXE by option 175', () => {
    const result = decode(ipxeDiscoverBytes());
    if (!result.ok) throw result.error;
    expect(classify(result.packet)).toEqual({ kind: 'ipxe', arch: 'x86-bios' });
  });

  it('iPXE by user class', () => {
    expect(classify(request('00:11:22:33:44:55', [[OPT.USER_CLASS, Buffer.from('iPXE')]]))).toEqual({
      kind: 'ipxe',
    });
  });

  it('walt node: user class wins over vendor class', () => {
    const packet = request('00:11:22:33:44:55', [
      vci('walt.node.rpi-3-b'),
      [OPT.USER_CLASS, userClassValue(['walt.node.pc-x86-64'])],
    ]);
    expect(classify(packet)).toEqual({ kind: 'walt-node', model: 'pc-x86-64', ipxe: false });
    expect(classify(request('00:11:22:33:44:55', [vci('walt.node.rpi-3-b')]))).toMatchObject({
      model: 'rpi-3-b',
    });
  });

  it('Raspberry Pi by OUI and the UNDI vendor class; other OUIs are PXE', () => {
    const result = decode(rpiDiscoverBytes());
    if (!result.ok) throw result.error;
    expect(classify(result.packet)).toEqual({ kind: 'rpi' });
    const pc = { ...result.packet, chaddr: macToBuffer('00:11:22:33:44:55') };
    expect(classify(pc)).toMatchObject({ kind: 'pxe', arch: 'x86-bios' });
  });

  it('u-boot by its vendor class (Debian 2023.01 on qemu virt sends U-Boot.armv8 and arch 0x16)', () => {
    expect(classify(request('52:54:00:aa:bb:01', [vci('U-Boot.armv8'), arch(0x16)]))).toEqual({
      kind: 'uboot',
      archCode: 0x16,
    });
    // Once the probe script set bootp_vci, the same u-boot announces its model
    expect(classify(request('52:54:00:aa:bb:01', [vci('walt.node.qemu-arm-64'), arch(0x16)]))).toEqual({
      kind: 'walt-node',
      model: 'qemu-arm-64',
      ipxe: false,
      arch: 'unknown',
    });
  });

  it('anything else', () => {
    expect(classify(request('00:11:22:33:44:55', [vci('udhcp 1.35.0')]))).toEqual({ kind: 'other' });
  });
});
