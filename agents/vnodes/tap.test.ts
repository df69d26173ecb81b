import { isWaltError } from '../../common/errors.js';
import { ERR_VNODE_INTERFACE_MISSING, ERR_VNODE_NOT_A_BRIDGE } from './errors.js';
import { assertBridge, deleteTap, ensureTap, linkKind, tapName, type CommandRunner } from './tap.js';

/** A fake `ip`: links by name with their kind; records the commands it ran. */
function fakeIp(links: Record<string, string>): { run: CommandRunner; calls: string[] } {
  const calls: string[] = [];
  const missing = (name: string): Error =>
    Object.assign(new Error('Command failed'), { stderr: `Device "${name}" does not exist.\n` });
  const run: CommandRunner = (cmd, args) => {
    calls.push([cmd, ...args].join(' '));
    const name = args[args.length - 1]!;
    if (args.includes('show')) {
      if (!(name in links)) return Promise.reject(missing(name));
      const kind = links[name];
      return Promise.resolve({
        stdout: JSON.stringify([{ linkinfo: kind ? { info_kind: kind } : undefined }]),
        stderr: '',
      });
    }
    if (args[0] === 'tuntap') links[args[3]!] = 'tun';
    if (args[1] === 'delete') {
      if (!(name in links)) return Promise.reject(missing(name));
      delete links[name];
    }
    return Promise.resolve({ stdout: '', stderr: '' });
  };
  return { run, calls };
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return isWaltError(error) ? error.code : 'not coded';
  }
}

describe('tapName', () => {
  it('is deterministic, distinct per node and fits IFNAMSIZ', () => {
    const long = 'a'.repeat(63);
    expect(tapName('vn1')).toBe(tapName('vn1'));
    expect(tapName('vn1')).not.toBe(tapName('vn2'));
    expect(tapName(long)).toMatch(/^wv[0-9a-f]{12}$/);
    expect(tapName(long).length).toBeLessThanOrEqual(15);
  });
});

describe('linkKind', () => {
  it('reads the kind of `ip -d -j link show` output', () => {
    expect(linkKind('[{"ifname":"br0","linkinfo":{"info_kind":"bridge"}}]')).toBe('bridge');
    expect(linkKind('[{"ifname":"eth0"}]')).toBe('');
  });
});

describe('assertBridge', () => {
  it('accepts a bridge', async () => {
    await expect(assertBridge(fakeIp({ br0: 'bridge' }).run, 'br0')).resolves.toBeUndefined();
  });

  it('refuses a device that is not a bridge, or is missing, with coded errors', async () => {
    const { run } = fakeIp({ eth0: '', veth0: 'veth' });
    expect(await codeOf(assertBridge(run, 'eth0'))).toBe(ERR_VNODE_NOT_A_BRIDGE.code);
    expect(await codeOf(assertBridge(run, 'veth0'))).toBe(ERR_VNODE_NOT_A_BRIDGE.code);
    expect(await codeOf(assertBridge(run, 'br9'))).toBe(ERR_VNODE_INTERFACE_MISSING.code);
  });
});

describe('ensureTap and deleteTap', () => {
  it('creates the tap, attaches it and brings it up; keeps a leftover one', async () => {
    const links: Record<string, string> = { br0: 'bridge' };
    const { run, calls } = fakeIp(links);
    await ensureTap(run, { tap: 'wvx', bridge: 'br0' });
    expect(calls).toContain('ip tuntap add dev wvx mode tap');
    expect(calls).toContain('ip link set dev wvx master br0 up');
    calls.length = 0;
    await ensureTap(run, { tap: 'wvx', bridge: 'br0' });
    expect(calls.filter((c) => c.includes('tuntap'))).toEqual([]);
  });

  it('refuses a segment interface that is not a bridge', async () => {
    const { run, calls } = fakeIp({ eth0: '' });
    expect(await codeOf(ensureTap(run, { tap: 'wvx', bridge: 'eth0' }))).toBe(ERR_VNODE_NOT_A_BRIDGE.code);
    expect(calls.filter((c) => c.includes('tuntap'))).toEqual([]);
  });

  it('deletes, and a tap already gone is fine', async () => {
    const links: Record<string, string> = { wvx: 'tun' };
    const { run } = fakeIp(links);
    await deleteTap(run, 'wvx');
    expect(links).toEqual({});
    await expect(deleteTap(run, 'wvx')).resolves.toBeUndefined();
  });
});
