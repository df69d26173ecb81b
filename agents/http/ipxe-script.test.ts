import { isWaltError } from '../../common/errors.js';
import { HttpUnsafeScriptValue } from './errors.js';
import {
  bootScript,
  chooseBootFiles,
  retryScript,
  scriptText,
  scriptToken,
  type BootScriptInput,
} from './ipxe-script.js';

const base: BootScriptInput = {
  server: '192.168.152.1',
  httpBase: 'http://192.168.152.1',
  nodeName: 'vn1',
  model: 'pc-x86-64',
  exportPath: '/var/lib/walt/exports/abc123',
  files: { kind: 'kernel', kernel: 'vmlinuz', initrd: 'initrd.img' },
  retryUrl: 'http://192.168.152.1/ipxe/boot.ipxe?mac=52:54:00:12:34:56',
};

describe('bootScript', () => {
  it('boots the kernel and initrd over HTTP with the NFS root command line (golden)', () => {
    // Given a node whose boot directory has vmlinuz and initrd.img, When the script is made
    const script = bootScript({ ...base, extraArgs: ['console=ttyS0'] });
    // Then it is exactly:
    expect(script).toBe(
      [
        '#!ipxe',
        'echo walt: booting node vn1 (pc-x86-64)',
        'kernel http://192.168.152.1/boot/vn1/vmlinuz initrd=initrd.img root=/dev/nfs ' +
          'nfsroot=192.168.152.1:/var/lib/walt/exports/abc123,vers=3,nolock,tcp,nocto ip=${ip}:${next-server}:${gateway}:${netmask}:vn1::off ro ' +
          'init=/walt/init walt.node=vn1 walt.server=192.168.152.1 console=ttyS0 || goto failed',
        'initrd http://192.168.152.1/boot/vn1/initrd.img || goto failed',
        'boot || goto failed',
        ':failed',
        'echo walt: boot failed, retrying in 10 s',
        'sleep 10',
        'chain http://192.168.152.1/ipxe/boot.ipxe?mac=52:54:00:12:34:56 || reboot',
        '',
      ].join('\n'),
    );
  });

  it('boots a kernel without initrd', () => {
    const script = bootScript({ ...base, files: { kind: 'kernel', kernel: 'vmlinuz-6.1.0-9-amd64' } });
    expect(script).toContain('kernel http://192.168.152.1/boot/vn1/vmlinuz-6.1.0-9-amd64 root=/dev/nfs ');
    expect(script).not.toContain('initrd');
  });

  it("chains the image's start.ipxe with the server parameters as variables (golden)", () => {
    const script = bootScript({
      ...base,
      files: { kind: 'chain', script: 'start.ipxe' },
      retryDelaySeconds: 5,
    });
    expect(script).toBe(
      [
        '#!ipxe',
        'echo walt: booting node vn1 (pc-x86-64)',
        'set walt_node vn1',
        'set walt_model pc-x86-64',
        'set walt_server 192.168.152.1',
        'set walt_nfsroot 192.168.152.1:/var/lib/walt/exports/abc123',
        'set walt_bootargs root=/dev/nfs nfsroot=192.168.152.1:/var/lib/walt/exports/abc123,vers=3,nolock,tcp,nocto ' +
          'ip=${ip}:${next-server}:${gateway}:${netmask}:vn1::off ro init=/walt/init walt.node=vn1 walt.server=192.168.152.1',
        'set node_model pc-x86-64',
        'set urlprefix http://192.168.152.1/boot/vn1',
        'chain http://192.168.152.1/boot/vn1/start.ipxe || goto failed',
        ':failed',
        'echo walt: boot failed, retrying in 5 s',
        'sleep 5',
        'chain http://192.168.152.1/ipxe/boot.ipxe?mac=52:54:00:12:34:56 || reboot',
        '',
      ].join('\n'),
    );
  });

  it.each([
    ['an extra argument with a space', { extraArgs: ['quiet splash=1 x'] }],
    ['an extra argument expanding a setting', { extraArgs: ['x=${net0/ip}'] }],
    ['an export path chaining a command', { exportPath: '/x||shell' }],
    ['an export path with a comment', { exportPath: '/x #y' }],
    ['an extra argument with a newline', { extraArgs: ['a\nshell'] }],
  ])('refuses %s (WALT_ERR_HTTP_UNSAFE_SCRIPT_VALUE)', (_what, override) => {
    let thrown: unknown;
    try {
      bootScript({ ...base, ...override });
    } catch (err) {
      thrown = err;
    }
    expect(isWaltError(thrown, HttpUnsafeScriptValue)).toBe(true);
  });
});

describe('retryScript', () => {
  it('prints the reason, sleeps and chains again, booting nothing (golden)', () => {
    const script = retryScript({
      reason: 'ImageNotReady',
      message: 'image walt-system/pc-x86-64-default is not unpacked on segment "lab" yet',
      retryUrl: base.retryUrl,
    });
    expect(script).toBe(
      [
        '#!ipxe',
        'echo walt: cannot boot now: ImageNotReady',
        'echo walt: image walt-system/pc-x86-64-default is not unpacked on segment lab yet',
        'echo walt: retrying in 10 s',
        'sleep 10',
        'chain http://192.168.152.1/ipxe/boot.ipxe?mac=52:54:00:12:34:56 || reboot',
        '',
      ].join('\n'),
    );
    expect(script).not.toMatch(/^(kernel|initrd|boot)\b/m);
  });

  it('neutralises settings, operators, comments and line breaks in the message', () => {
    const text = scriptText('a ${x} && b || c # d\nkernel http://evil');
    expect(text).toBe('a x b c d kernel http://evil');
    const script = retryScript({
      reason: 'X',
      message: 'line\nkernel http://evil/k',
      retryUrl: base.retryUrl,
    });
    expect(script.split('\n').filter((l) => l.startsWith('kernel'))).toEqual([]);
  });
});

describe('scriptToken', () => {
  it('passes URLs, paths and key=value arguments unchanged', () => {
    expect(scriptToken('x', 'http://10.0.0.1:8080/boot/n1/vmlinuz?mac=52:54:00:00:00:01')).toBe(
      'http://10.0.0.1:8080/boot/n1/vmlinuz?mac=52:54:00:00:00:01',
    );
    expect(scriptToken('x', 'console=ttyS0,115200n8')).toBe('console=ttyS0,115200n8');
  });
});

describe('chooseBootFiles', () => {
  it.each([
    [['vmlinuz', 'initrd.img', 'config'], { kind: 'kernel', kernel: 'vmlinuz', initrd: 'initrd.img' }],
    [
      [
        'vmlinuz-6.1.0-9-amd64',
        'vmlinuz-6.1.0-10-amd64',
        'initrd.img-6.1.0-9-amd64',
        'initrd.img-6.1.0-10-amd64',
      ],
      { kind: 'kernel', kernel: 'vmlinuz-6.1.0-10-amd64', initrd: 'initrd.img-6.1.0-10-amd64' },
    ],
    [['vmlinuz-6.1.0-9-amd64'], { kind: 'kernel', kernel: 'vmlinuz-6.1.0-9-amd64' }],
    [['kernel', 'initrd'], { kind: 'kernel', kernel: 'kernel', initrd: 'initrd' }],
    [['start.ipxe', 'vmlinuz', 'initrd.img'], { kind: 'chain', script: 'start.ipxe' }],
  ])('in %j picks %j', (names, expected) => {
    expect(chooseBootFiles(names)).toEqual(expected);
  });

  it('finds nothing in a directory without a kernel', () => {
    expect(chooseBootFiles(['config.txt', 'initrd.img'])).toBeUndefined();
  });
});
