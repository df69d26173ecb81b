import type { WaltNode } from '../../api/v1alpha1/index.js';
import type { BootDecision, BootTarget } from '../netboot/gate.js';
import { PROBE_SCRIPT } from '../netboot/uboot-script.js';
import { ubootScriptFor } from './uboot-scripts.js';

const MAC = '52:54:00:aa:00:01';
const node = (name: string, model = 'qemu-arm-64'): WaltNode =>
  ({ metadata: { name }, spec: { mac: MAC, model, segment: 's', image: 'default' } }) as unknown as WaltNode;
const target = (n: WaltNode): BootTarget => ({
  allow: true,
  node: n,
  model: 'qemu-arm-64',
  image: {
    namespace: 'walt-system',
    name: 'qemu-arm-64-default',
    digest: 'sha256:1',
    manifestDigest: 'sha256:2',
  },
  rootfs: '/r',
  bootDir: '/r/boot/qemu-arm-64',
});

function options(decision: BootDecision, autoRegister = true) {
  return {
    decide: () => decision,
    autoRegister: () => autoRegister,
    server: '10.9.0.1',
    exportPathOf: () => '/images/abc',
    extraKernelArgs: () => ['walt.persist=0'],
    retryDelaySeconds: 10,
  };
}

describe('u-boot scripts by TFTP', () => {
  const unknown: BootDecision = {
    allow: false,
    reason: 'UnknownNode',
    message: 'no WaltNode has this MAC',
  };

  it('an unknown machine gets the probe for boot.scr.uimg on an autoRegister segment only', () => {
    expect(ubootScriptFor('boot.scr.uimg', MAC, options(unknown))?.script).toBe(PROBE_SCRIPT);
    expect(ubootScriptFor('walt-node.uboot', MAC, options(unknown))).toBeUndefined();
    expect(ubootScriptFor('boot.scr.uimg', MAC, options(unknown, false))).toBeUndefined();
    expect(ubootScriptFor('vmlinuz', MAC, options(unknown))).toBeUndefined();
  });

  it('the probe derives the model as WalT does and announces it', () => {
    expect(PROBE_SCRIPT).toContain('setexpr walt_model sub "^.*-rpi-" "rpi-" "${fdtfile}"');
    expect(PROBE_SCRIPT).toContain('setenv walt_model qemu-arm-64');
    expect(PROBE_SCRIPT).toContain('setenv bootp_vci walt.node.${walt_model}');
    expect(PROBE_SCRIPT).toMatch(/tftpboot \$\{scriptaddr\} walt-node\.uboot/);
  });

  it('a bootable node gets bootargs with its NFS root and u-boot address, then the image script', () => {
    const image = ubootScriptFor('walt-node.uboot', MAC, options(target(node('n1'))));
    expect(image?.arch).toBe('arm64');
    expect(image?.script).toContain(
      'setenv bootargs root=/dev/nfs nfsroot=10.9.0.1:/images/abc,vers=3,nolock,tcp,nocto ' +
        'ip=${ipaddr}:${serverip}:${gatewayip}:${netmask}:n1::off ro init=/walt/init walt.node=n1 ' +
        'walt.server=10.9.0.1 walt.persist=0\n',
    );
    expect(image?.script).toContain('if tftpboot ${scriptaddr} start.uboot; then source ${scriptaddr}; fi');
    expect(ubootScriptFor('boot.scr.uimg', MAC, options(target(node('n1'))))?.script).toBe(image?.script);
  });

  it('a node that may not boot yet, or whose values are unsafe, is told why and resets', () => {
    const denied = {
      allow: false,
      reason: 'ImageNotReady',
      message: 'unpacking',
      node: node('n2'),
    } as BootDecision;
    const retry = ubootScriptFor('walt-node.uboot', MAC, options(denied))?.script ?? '';
    expect(retry).toContain('echo "walt: cannot boot yet: ImageNotReady: unpacking"');
    expect(retry).toMatch(/sleep 10\nreset\n$/);
    const evil = ubootScriptFor('walt-node.uboot', MAC, {
      ...options(target(node('n3'))),
      extraKernelArgs: () => ['a;reset'],
    })?.script;
    expect(evil).toContain('WALT_ERR_HTTP_UNSAFE_SCRIPT_VALUE');
    expect(evil).not.toContain('setenv bootargs');
  });
});
