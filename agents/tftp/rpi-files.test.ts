import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { WaltNode, WaltSegmentSpec } from '../../api/v1alpha1/index.js';
import type { BootTarget } from '../netboot/gate.js';
import { RpiImageFileTooLarge } from '../netboot/rpi-errors.js';
import { MAX_IMAGE_FILE_BYTES } from '../netboot/rpi-boot-files.js';
import { TftpPathEscape } from './errors.js';
import { nodeFsProbe } from './files.js';
import { isRefusal, type GeneratedFiles } from './paths.js';
import { createRpiFiles, gatewayOf } from './rpi-files.js';

const spec = { subnet: '10.9.0.0/24', serverAddress: '10.9.0.1', nat: { enabled: true } } as WaltSegmentSpec;

function node(model: string, netsetup: 'LAN' | 'NAT' = 'LAN'): WaltNode {
  return {
    metadata: { name: 'pi' },
    spec: { mac: 'DC:A6:32:00:00:01', model, segment: 's', settings: { netsetup } },
  } as WaltNode;
}

describe('createRpiFiles', () => {
  let root: string;
  let generate: GeneratedFiles;
  const target = (model: string, n = node(model)): BootTarget =>
    ({
      allow: true,
      node: n,
      model,
      image: { namespace: 'n', name: 'i', digest: 'sha256:1', manifestDigest: 'sha256:2' },
      rootfs: path.join(root, 'rootfs'),
      bootDir: path.join(root, 'rootfs', 'boot', model),
    }) as BootTarget;

  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'walt-rpi-files-'));
    for (const model of ['rpi-4-b', 'rpi-400', 'pc-x86-64'])
      await mkdir(path.join(root, 'rootfs', 'boot', model), { recursive: true });
    generate = createRpiFiles({
      dir: path.join(root, 'generated'),
      server: '10.9.0.1',
      segment: () => spec,
      exportPathOf: () => '/images/abc',
      probe: nodeFsProbe,
    });
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes cmdline.txt under the node MAC and serves it from there, the same file for the same content', async () => {
    const first = await generate('cmdline.txt', '10.9.0.7', target('rpi-4-b'));
    expect(first).toMatchObject({
      source: 'generated',
      path: path.join(root, 'generated', 'dc-a6-32-00-00-01', 'cmdline.txt'),
    });
    const text = await readFile((first as { path: string }).path, 'utf8');
    expect(text).toContain(' ip=10.9.0.7:10.9.0.1::255.255.255.0:pi::off ');
    expect(await generate('cmdline.txt', '10.9.0.7', target('rpi-4-b'))).toEqual(first);
  });

  it('leaves other models and other files to the boot directory', async () => {
    expect(await generate('cmdline.txt', '10.9.0.7', target('pc-x86-64'))).toBeUndefined();
    expect(await generate('start4.elf', '10.9.0.7', target('rpi-4-b'))).toBeUndefined();
  });

  it("leaves config.txt to the image when it has one, else picks the image's kernel for the default", async () => {
    await writeFile(path.join(root, 'rootfs', 'boot', 'rpi-400', 'config.txt'), 'mine\n');
    expect(await generate('config.txt', '10.9.0.7', target('rpi-400'))).toBeUndefined();
    await writeFile(path.join(root, 'rootfs', 'boot', 'rpi-4-b', 'vmlinuz-6.1.0-arm64'), 'k');
    await writeFile(path.join(root, 'rootfs', 'boot', 'rpi-4-b', 'initrd.img-6.1.0-arm64'), 'i');
    const made = await generate('config.txt', '10.9.0.7', target('rpi-4-b'));
    const text = await readFile((made as { path: string }).path, 'utf8');
    expect(text).toContain('kernel=vmlinuz-6.1.0-arm64\ninitramfs initrd.img-6.1.0-arm64 followkernel\n');
  });

  it('refuses an image cmdline.txt that leaves the image, or is larger than the bound, saying why', async () => {
    await symlink('../../../../etc/passwd', path.join(root, 'rootfs', 'boot', 'rpi-4-b', 'cmdline.txt'));
    const escaped = await generate('cmdline.txt', '10.9.0.7', target('rpi-4-b'));
    expect(isRefusal(escaped) && escaped.error.code).toBe(TftpPathEscape.code);
    await writeFile(
      path.join(root, 'rootfs', 'boot', 'rpi-400', 'cmdline.txt'),
      'x'.repeat(MAX_IMAGE_FILE_BYTES + 1),
    );
    const large = await generate('cmdline.txt', '10.9.0.7', target('rpi-400'));
    expect(isRefusal(large) && large.error.code).toBe(RpiImageFileTooLarge.code);
  });
});

describe('gatewayOf', () => {
  it('is the segment gateway, else the agent for a NAT node of a NAT segment, as the DHCP router option', () => {
    expect(gatewayOf({ ...spec, gateway: '10.9.0.254' }, node('rpi-4-b', 'NAT'), '10.9.0.1')).toBe(
      '10.9.0.254',
    );
    expect(gatewayOf(spec, node('rpi-4-b', 'NAT'), '10.9.0.1')).toBe('10.9.0.1');
    expect(gatewayOf(spec, node('rpi-4-b', 'LAN'), '10.9.0.1')).toBeUndefined();
    expect(
      gatewayOf({ ...spec, nat: { enabled: false } }, node('rpi-4-b', 'NAT'), '10.9.0.1'),
    ).toBeUndefined();
  });
});
