import { isWaltError } from '../../common/errors.js';
import { ERR_VNODE_BAD_SIZE } from './errors.js';
import { hardwareKey, qemuArgs, qemuBinary, qmpSocketPath, sizeMiB, type VmConfig } from './qemu-args.js';

const config: VmConfig = {
  node: 'vn1',
  mac: '52:54:00:A1:B2:C3',
  virtual: { cpus: 2, memory: '1Gi' },
  accel: 'tcg',
  tap: 'wv0123456789ab',
  workDir: '/var/cache/walt/vnodes/vn1',
};

/** The value following `flag` (each occurrence). */
function valuesOf(args: string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [args[i + 1]!] : []));
}

describe('qemuArgs', () => {
  const args = qemuArgs(config);

  it('sizes the machine from spec.virtual', () => {
    expect(valuesOf(args, '-m')).toEqual(['1024M']);
    expect(valuesOf(args, '-smp')).toEqual(['2']);
    expect(valuesOf(args, '-accel')).toEqual(['tcg']);
    expect(valuesOf(args, '-machine')).toEqual(['pc,graphics=off']);
    expect(valuesOf(args, '-name')).toEqual(['vn1']);
  });

  it('netboots through a virtio NIC on the tap, with the node MAC', () => {
    expect(valuesOf(args, '-boot')).toEqual(['n']);
    expect(valuesOf(args, '-netdev')).toEqual(['tap,id=n0,ifname=wv0123456789ab,script=no,downscript=no']);
    expect(valuesOf(args, '-device')).toEqual(['virtio-net-pci,netdev=n0,mac=52:54:00:a1:b2:c3']);
  });

  it('makes qemu-arm-64 an arm64 virt board booting through u-boot, under TCG whatever the host has', () => {
    const arm = { ...config, model: 'qemu-arm-64', accel: 'kvm' as const };
    const armArgs = qemuArgs(arm);
    expect(qemuBinary(arm)).toBe('qemu-system-aarch64');
    expect(qemuBinary(config)).toBe('qemu-system-x86_64');
    expect(valuesOf(armArgs, '-machine')).toEqual(['virt']);
    expect(valuesOf(armArgs, '-cpu')).toEqual(['cortex-a57']);
    expect(valuesOf(armArgs, '-accel')).toEqual(['tcg']);
    expect(valuesOf(armArgs, '-bios')).toEqual(['/usr/lib/u-boot/qemu_arm64/u-boot.bin']);
    expect(valuesOf(armArgs, '-boot')).toEqual([]);
    expect(valuesOf(armArgs, '-device')).toEqual(['virtio-net-device,netdev=n0,mac=52:54:00:a1:b2:c3']);
    expect(valuesOf(armArgs, '-serial')).toEqual(['chardev:s0']);
  });

  it('exits on guest reboot, has no display, serial on stdio and QMP on a socket', () => {
    for (const flag of ['-no-reboot', '-nodefaults', '-no-user-config']) expect(args).toContain(flag);
    expect(valuesOf(args, '-display')).toEqual(['none']);
    expect(valuesOf(args, '-serial')).toEqual(['chardev:s0']);
    expect(valuesOf(args, '-chardev')).toEqual(['stdio,id=s0,signal=off']);
    expect(valuesOf(args, '-qmp')).toEqual(['unix:/var/cache/walt/vnodes/vn1/qmp.sock,server=on,wait=off']);
    expect(valuesOf(args, '-pidfile')).toEqual(['/var/cache/walt/vnodes/vn1/qemu.pid']);
  });

  it('adds one raw virtio drive per disk, escaping commas in paths', () => {
    const withDisks = qemuArgs({
      ...config,
      workDir: '/tmp/a,b',
      virtual: {
        ...config.virtual,
        disks: [
          { size: '8Gi', template: 'none' },
          { size: '1Ti', template: 'ext4' },
        ],
      },
    });
    expect(valuesOf(withDisks, '-drive')).toEqual([
      'file=/tmp/a,,b/disk0.img,if=virtio,format=raw',
      'file=/tmp/a,,b/disk1.img,if=virtio,format=raw',
    ]);
    expect(valuesOf(args, '-drive')).toEqual([]);
  });
});

describe('sizeMiB', () => {
  it('reads Mi, Gi and Ti', () => {
    expect(sizeMiB('512Mi', 'memory')).toBe(512);
    expect(sizeMiB('2Gi', 'memory')).toBe(2048);
    expect(sizeMiB('1Ti', 'disk')).toBe(1024 * 1024);
  });

  it('refuses anything else with a coded error', () => {
    for (const bad of ['1G', '0Mi', '1.5Gi', '']) {
      let caught: unknown;
      try {
        sizeMiB(bad, 'memory');
      } catch (error) {
        caught = error;
      }
      expect(isWaltError(caught, ERR_VNODE_BAD_SIZE)).toBe(true);
    }
  });
});

describe('qmpSocketPath', () => {
  it('stays in the work dir when the path fits a unix socket address', () => {
    expect(qmpSocketPath('/c/vn1', 'wvx', '/tmp')).toBe('/c/vn1/qmp.sock');
  });

  it('falls back to the temporary directory for deep work dirs', () => {
    expect(qmpSocketPath(`/c/${'x'.repeat(120)}`, 'wvx', '/tmp')).toBe('/tmp/walt-wvx.qmp');
  });
});

describe('hardwareKey', () => {
  it('changes with cpus, memory, disks and MAC, not with bootDelay', () => {
    const base = hardwareKey(config);
    expect(hardwareKey({ ...config, virtual: { ...config.virtual, bootDelay: '5s' } })).toBe(base);
    expect(hardwareKey({ ...config, mac: config.mac.toLowerCase() })).toBe(base);
    expect(hardwareKey({ ...config, virtual: { ...config.virtual, cpus: 4 } })).not.toBe(base);
    expect(hardwareKey({ ...config, virtual: { ...config.virtual, memory: '2Gi' } })).not.toBe(base);
    const disks = [{ size: '8Gi', template: 'none' as const }];
    expect(hardwareKey({ ...config, virtual: { ...config.virtual, disks } })).not.toBe(base);
  });
});
