import { codeOf } from '../../test/support/error-code.js';
import { nfsRootArgs } from './kernel-args.js';
import {
  imageCmdlineArgs,
  MAX_CMDLINE_BYTES,
  MAX_IMAGE_ARGS,
  rpiCmdline,
  rpiConfigTxt,
  staticIpArg,
} from './rpi-boot-files.js';
import { RpiCmdlineTooLong, RpiUnsafeArgument } from './rpi-errors.js';

const ip = staticIpArg({ ip: '10.0.0.7', server: '10.0.0.1', netmask: '255.255.255.0', nodeName: 'pi' });
const rootArgs = nfsRootArgs({ server: '10.0.0.1', nodeName: 'pi', exportPath: '/walt/abc', ip });

describe('rpiCmdline', () => {
  it('is one line: the image console arguments, then the NFS root and node arguments of an x86 node', () => {
    const text = rpiCmdline({
      rootArgs,
      nodeArgs: ['walt.persist=0'],
      imageCmdline: 'console=serial0,115200 console=tty1 quiet\n',
    });
    expect(text).toBe(
      'console=serial0,115200 console=tty1 quiet root=/dev/nfs ' +
        'nfsroot=10.0.0.1:/walt/abc,vers=3,nolock,tcp,nocto ip=10.0.0.7:10.0.0.1::255.255.255.0:pi::off ' +
        'ro init=/walt/init walt.node=pi walt.server=10.0.0.1 walt.persist=0\n',
    );
  });

  it("drops the image's own root, nfsroot (WalT's %s template), ip, init and walt.* arguments", () => {
    const walt =
      'console=tty1 console=serial0,115200 boot=walt root=/dev/nfs ' +
      'nfsroot=/var/lib/walt/nodes/%s/fs,ro,vers=3,nolock init=/bin/walt-init panic=15 net.ifnames=0 ' +
      'ip=dhcp rw walt.node=other';
    expect(imageCmdlineArgs(walt)).toEqual([
      'console=tty1',
      'console=serial0,115200',
      'panic=15',
      'net.ifnames=0',
    ]);
    const line = rpiCmdline({ rootArgs, nodeArgs: [], imageCmdline: walt });
    expect(line.match(/(^| )root=/g)).toHaveLength(1);
    expect(line).not.toContain('%s');
    expect(line).not.toContain('walt.node=other');
  });

  it('gives the Pi a serial and a screen console when the image has no cmdline.txt', () => {
    expect(rpiCmdline({ rootArgs, nodeArgs: [] })).toMatch(
      /^console=serial0,115200 console=tty1 root=\/dev\/nfs /,
    );
  });

  it('keeps printable tokens only, once each, and a bounded number of them', () => {
    expect(imageCmdlineArgs('a\u0000b quiet\tquiet\r\nsplash é=1')).toEqual(['quiet', 'splash']);
    const many = Array.from({ length: MAX_IMAGE_ARGS + 10 }, (_, i) => `x${i}=1`).join(' ');
    expect(imageCmdlineArgs(many)).toHaveLength(MAX_IMAGE_ARGS);
  });

  it('refuses an argument of ours that is not one printable token', () => {
    expect(codeOf(() => rpiCmdline({ rootArgs: ['walt.node=a b'], nodeArgs: [] }))).toBe(
      RpiUnsafeArgument.code,
    );
    expect(
      codeOf(() =>
        staticIpArg({ ip: '10.0.0.7', server: '10.0.0.1', netmask: '255.0.0.0', nodeName: 'a\nb' }),
      ),
    ).toBe(RpiUnsafeArgument.code);
  });

  it('refuses a command line longer than an arm64 kernel takes', () => {
    const image = Array.from({ length: 40 }, (_, i) => `arg${i}=${'x'.repeat(60)}`).join(' ');
    expect(codeOf(() => rpiCmdline({ rootArgs, nodeArgs: [], imageCmdline: image }))).toBe(
      RpiCmdlineTooLong.code,
    );
    expect(MAX_CMDLINE_BYTES).toBe(2047);
  });

  it('passes the gateway the node was given by DHCP, empty without one', () => {
    expect(
      staticIpArg({
        ip: '10.0.0.7',
        server: '10.0.0.1',
        gateway: '10.0.0.254',
        netmask: '255.255.255.0',
        nodeName: 'pi',
      }),
    ).toBe('10.0.0.7:10.0.0.1:10.0.0.254:255.255.255.0:pi::off');
  });
});

describe('rpiConfigTxt', () => {
  it('boots the 64-bit kernel and initrd with the device tree of the model', () => {
    const text = rpiConfigTxt({ model: 'rpi-4-b', kernel: 'vmlinuz', initrd: 'initrd.img' });
    const settings = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(settings).toEqual([
      'arm_64bit=1',
      'kernel=vmlinuz',
      'initramfs initrd.img followkernel',
      'device_tree=bcm2711-rpi-4-b.dtb',
      'enable_uart=1',
    ]);
  });

  it.each([
    ['rpi-3-b-plus', 'bcm2710-rpi-3-b-plus.dtb'],
    ['rpi-400', 'bcm2711-rpi-400.dtb'],
    ['rpi-5-b', 'bcm2712-rpi-5-b.dtb'],
  ])('names the device tree of %s', (model, dtb) => {
    expect(rpiConfigTxt({ model, kernel: 'vmlinuz' })).toContain(`device_tree=${dtb}\n`);
  });

  it('has no initramfs line without an initrd, and refuses a file name that is not one token', () => {
    expect(rpiConfigTxt({ model: 'rpi-4-b', kernel: 'vmlinuz-6.1.0-arm64' })).not.toContain('initramfs');
    expect(codeOf(() => rpiConfigTxt({ model: 'rpi-4-b', kernel: 'vmlinuz\nkernel=evil' }))).toBe(
      RpiUnsafeArgument.code,
    );
  });
});
