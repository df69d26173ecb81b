import {
  clientArch,
  clientNdi,
  clientUuid,
  ipxeOptions,
  OPT,
  pxeBootMenu,
  rpiVendorValue,
  userClasses,
  userClassValue,
} from './options.js';
import { decode } from './packet.js';
import { ipxeDiscoverBytes } from '../../test/support/fixtures/dhcp.js';

const options = (): Map<number, Buffer> => {
  const result = decode(ipxeDiscoverBytes());
  if (!result.ok) throw result.error;
  return result.packet.options;
};

describe('option accessors', () => {
  it('reads 93, 94, 97 and 175 of an iPXE DISCOVER', () => {
    const opts = options();
    expect(clientArch(opts)).toBe(0);
    expect(clientNdi(opts)).toEqual({ type: 1, major: 2, minor: 1 });
    expect(clientUuid(opts)).toBe('01020304-0506-0708-090a-0b0c0d0e0f10');
    expect(ipxeOptions(opts)?.get(0xb1)).toEqual(Buffer.from([1]));
  });

  it('reads option 77 as plain string or RFC 3004 list', () => {
    expect(userClasses(new Map([[OPT.USER_CLASS, Buffer.from('walt.node.pc-x86-64')]]))).toEqual([
      'walt.node.pc-x86-64',
    ]);
    expect(userClasses(new Map([[OPT.USER_CLASS, userClassValue(['a', 'walt.node.rpi-4-b'])]]))).toEqual([
      'a',
      'walt.node.rpi-4-b',
    ]);
  });

  it('builds the Raspberry Pi boot menu entry', () => {
    expect(pxeBootMenu(rpiVendorValue())).toEqual([{ type: 0, text: 'Raspberry Pi Boot' }]);
    expect([...rpiVendorValue()]).toEqual([9, 20, 0, 0, 17, ...Buffer.from('Raspberry Pi Boot'), 255]);
  });
});
