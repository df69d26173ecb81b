import { diskSizeMiB, qemuArgs } from './direct-boot.js';

describe('qemuArgs', () => {
  it('boots the kernel with the rootfs as a snapshot virtio disk, TCG, serial on stdio', () => {
    const args = qemuArgs({ kernel: '/k', initrd: '/i', disk: '/d.ext4', memoryMiB: 384 });
    const value = (flag: string): string | undefined => args[args.indexOf(flag) + 1];
    expect(value('-accel')).toBe('tcg');
    expect(value('-m')).toBe('384');
    expect(value('-kernel')).toBe('/k');
    expect(value('-initrd')).toBe('/i');
    expect(value('-serial')).toBe('stdio');
    expect(value('-drive')).toBe('file=/d.ext4,if=virtio,format=raw,snapshot=on');
    expect(value('-append')).toContain('root=/dev/vda rw init=/sbin/init');
  });
});

describe('diskSizeMiB', () => {
  it('leaves room above the tree size', () => {
    expect(diskSizeMiB(100 * 1048576)).toBeGreaterThanOrEqual(125 + 64);
  });
});
