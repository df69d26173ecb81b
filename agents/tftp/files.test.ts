import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BootDecision } from '../netboot/gate.js';
import { createFileResolver, type ResolvedFile, type TftpResolve } from './files.js';
import { isRefusal, type TftpRefusal } from './paths.js';

const MAC = '02:00:00:00:00:01';
let dir: string;
let resolve: TftpResolve;

function allow(rootfs: string): BootDecision {
  return { allow: true, rootfs, bootDir: path.join(rootfs, 'boot', 'rpi-4-b') } as BootDecision;
}

async function file(result: Promise<ResolvedFile | TftpRefusal>): Promise<string> {
  const r = await result;
  if (isRefusal(r)) throw new Error(r.error.code);
  await r.handle.close();
  return path.relative(dir, r.path);
}

async function refusedCode(result: Promise<ResolvedFile | TftpRefusal>): Promise<string> {
  const r = await result;
  if (!isRefusal(r)) {
    await r.handle.close();
    throw new Error(`served ${r.path}`);
  }
  return r.error.code;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'walt-tftp-files-'));
  const boot = path.join(dir, 'rootfs', 'boot', 'rpi-4-b');
  await mkdir(boot, { recursive: true });
  await mkdir(path.join(dir, 'rootfs', 'etc'));
  await mkdir(path.join(dir, 'static'));
  await writeFile(path.join(boot, 'start4.elf'), 'firmware');
  await writeFile(path.join(dir, 'rootfs', 'etc', 'passwd'), 'image passwd');
  await writeFile(path.join(dir, 'static', 'undionly.kpxe'), 'ipxe');
  await symlink('../../../../etc/passwd', path.join(boot, 'rel-escape'));
  await symlink('/etc/passwd', path.join(boot, 'abs-passwd'));
  await symlink('/boot/rpi-4-b/start4.elf', path.join(boot, 'abs-inside'));
  // As Debian's ipxe package does: /usr/lib/ipxe/ipxe.efi -> /boot/ipxe.efi (a host path)
  await mkdir(path.join(dir, 'host-boot'));
  await writeFile(path.join(dir, 'host-boot', 'ipxe.efi'), 'ipxe for uefi');
  await symlink(path.join(dir, 'host-boot', 'ipxe.efi'), path.join(dir, 'static', 'ipxe.efi'));
  const decisions: Record<string, BootDecision> = {
    [MAC]: allow(path.join(dir, 'rootfs')),
    '02:00:00:00:00:02': { allow: false, reason: 'NoImage', message: 'no image' },
  };
  const leases: Record<string, string> = { '10.0.0.1': MAC, '10.0.0.2': '02:00:00:00:00:02' };
  resolve = createFileResolver({
    macOfIp: (ip) => leases[ip],
    decide: (mac) => decisions[mac] as BootDecision,
    staticDir: path.join(dir, 'static'),
  });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('createFileResolver', () => {
  it('serves the node boot directory, with or without a leading slash or RPi serial prefix', async () => {
    await expect(file(resolve('start4.elf', '10.0.0.1'))).resolves.toBe('rootfs/boot/rpi-4-b/start4.elf');
    await expect(file(resolve('/start4.elf', '10.0.0.1'))).resolves.toBe('rootfs/boot/rpi-4-b/start4.elf');
    await expect(file(resolve('0123abcd/start4.elf', '10.0.0.1'))).resolves.toBe(
      'rootfs/boot/rpi-4-b/start4.elf',
    );
  });

  it('resolves absolute symlinks inside the image', async () => {
    await expect(file(resolve('abs-passwd', '10.0.0.1'))).resolves.toBe('rootfs/etc/passwd');
    await expect(file(resolve('abs-inside', '10.0.0.1'))).resolves.toBe('rootfs/boot/rpi-4-b/start4.elf');
  });

  it('refuses escapes', async () => {
    await expect(refusedCode(resolve('../../etc/passwd', '10.0.0.1'))).resolves.toBe(
      'WALT_ERR_TFTP_PATH_ESCAPE',
    );
    await expect(refusedCode(resolve('rel-escape', '10.0.0.1'))).resolves.toBe('WALT_ERR_TFTP_PATH_ESCAPE');
    await expect(refusedCode(resolve('../host-boot/ipxe.efi', '10.0.0.9'))).resolves.toBe(
      'WALT_ERR_TFTP_PATH_ESCAPE',
    );
  });

  it('never serves host files for absolute requests', async () => {
    await expect(refusedCode(resolve('/etc/passwd', '10.0.0.1'))).resolves.toBe(
      'WALT_ERR_TFTP_FILE_NOT_FOUND',
    );
  });

  it('serves static files to everyone, and says why anything else is refused', async () => {
    await expect(file(resolve('undionly.kpxe', '10.0.0.9'))).resolves.toBe('static/undionly.kpxe');
    await expect(file(resolve('undionly.kpxe', '10.0.0.1'))).resolves.toBe('static/undionly.kpxe');
  });

  it("follows the static directory's links as the host does (it is the host's, not an image)", async () => {
    // Given Debian's layout, a link out of the static directory to the host's /boot
    // Then a client gets the file it points to, a booting node as much as an unknown machine
    await expect(file(resolve('ipxe.efi', '10.0.0.9'))).resolves.toBe('host-boot/ipxe.efi');
    await expect(file(resolve('/ipxe.efi', '10.0.0.1'))).resolves.toBe('host-boot/ipxe.efi');
    // And the request itself still cannot leave the directory
    await expect(refusedCode(resolve('static/../../host-boot/ipxe.efi', '10.0.0.9'))).resolves.toBe(
      'WALT_ERR_TFTP_PATH_ESCAPE',
    );
    await expect(refusedCode(resolve('start4.elf', '10.0.0.9'))).resolves.toBe(
      'WALT_ERR_TFTP_UNKNOWN_CLIENT',
    );
    await expect(refusedCode(resolve('start4.elf', '10.0.0.2'))).resolves.toBe('WALT_ERR_TFTP_NOT_BOOTABLE');
  });
});
