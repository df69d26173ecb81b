// The boot agent's TFTP service against real clients on loopback: tftp-hpa and busybox tftp (Debian
// packages), and our own client for windowsize and block-number rollover (atftp checks both independently
// in tftp-reference.test.ts). Confinement is checked through the real clients too, each refusal by the
// ERROR code and message the client printed, so a refusal for another cause fails.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Registry } from 'prom-client';
import { tftpGet } from '../support/tftp-client.js';
import { TftpFileNotFound, TftpPathEscape } from '../../agents/tftp/errors.js';
import { createFileResolver } from '../../agents/tftp/files.js';
import { createTftpServer, type TftpServer } from '../../agents/tftp/server.js';
import type { BootDecision } from '../../agents/netboot/gate.js';
import { silentLogger } from '../../common/logger.js';
import { requireTool, TOOLS } from '../support/require-tool.js';

const run = promisify(execFile);
const host = '127.0.0.1';
const BIG = 33 * 1024 * 1024 + 123; // > 65535 blocks of 512 bytes
const PXE_CONFIG = Buffer.from(
  Array.from(
    { length: 300 },
    (_, i) => `LABEL walt${i}\n  KERNEL vmlinuz\r\n  APPEND initrd=initrd.img ip=dhcp\rnfsroot\n`,
  ).join(''),
);
let dir: string;
let boot: string;
let out: string;
let server: TftpServer;
let port: number;
const hashes: Record<string, string> = {};

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** tftp-hpa 5.2: no blksize/windowsize options in this client (RFC 1350 transfers only). */
async function hpaGet(file: string, dest: string): Promise<string> {
  const { stdout, stderr } = await run(
    'tftp',
    [host, String(port), '-m', 'binary', '-c', 'get', file, dest],
    {
      timeout: 120_000,
    },
  );
  return stdout + stderr;
}

/** tftp-hpa in netascii mode: it turns CR LF back into LF and CR NUL into CR. */
async function hpaGetText(file: string, dest: string): Promise<string> {
  const { stdout, stderr } = await run(
    'tftp',
    [host, String(port), '-m', 'netascii', '-c', 'get', file, dest],
    {
      timeout: 120_000,
    },
  );
  return stdout + stderr;
}

async function busyboxGet(file: string, dest: string, blksize: number): Promise<void> {
  await run('busybox', ['tftp', '-g', '-r', file, '-l', dest, '-b', String(blksize), host, String(port)], {
    timeout: 120_000,
  });
}

beforeAll(async () => {
  for (const tool of [TOOLS.tftpHpa, TOOLS.busybox]) requireTool(tool);
  dir = await mkdtemp(path.join(os.tmpdir(), 'walt-tftp-clients-'));
  const rootfs = path.join(dir, 'rootfs');
  boot = path.join(rootfs, 'boot', 'rpi-4-b');
  out = path.join(dir, 'out');
  await mkdir(boot, { recursive: true });
  await mkdir(path.join(rootfs, 'etc'));
  await mkdir(out);
  await writeFile(path.join(rootfs, 'etc', 'passwd'), 'image-passwd\n');
  for (const [name, size] of [
    ['start4.elf', 2_000_000],
    ['exact.bin', 1468 * 20],
    ['big.bin', BIG],
  ] as const) {
    const data = randomBytes(size);
    hashes[name] = createHash('sha256').update(data).digest('hex');
    await writeFile(path.join(boot, name), data);
  }
  // A pxelinux-style config, a stored CR LF and a bare CR among its LF line ends, and long enough that
  // expansions fall on block boundaries.
  await writeFile(path.join(boot, 'default.cfg'), PXE_CONFIG);
  await symlink('../../../../etc/passwd', path.join(boot, 'escape'));
  await symlink('/etc/passwd', path.join(boot, 'passwd'));
  const decision = { allow: true, rootfs, bootDir: boot } as BootDecision;
  server = createTftpServer({
    host,
    port: 0,
    resolve: createFileResolver({ macOfIp: () => 'dc:a6:32:00:00:01', decide: () => decision }),
    logger: silentLogger(),
    metrics: new Registry(),
    maxBlksize: 1468,
    maxWindow: 32,
  });
  port = await server.start();
});

afterAll(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('tftp-hpa client', () => {
  it('downloads a file (RPi serial prefix too)', async () => {
    await hpaGet('start4.elf', path.join(out, 'hpa-1'));
    expect(await sha256File(path.join(out, 'hpa-1'))).toBe(hashes['start4.elf']);
    await hpaGet('0123abcd/start4.elf', path.join(out, 'hpa-2'));
    expect(await sha256File(path.join(out, 'hpa-2'))).toBe(hashes['start4.elf']);
  });

  it('downloads past 65535 blocks of 512 bytes (rollover)', async () => {
    await hpaGet('big.bin', path.join(out, 'hpa-big'));
    expect(await sha256File(path.join(out, 'hpa-big'))).toBe(hashes['big.bin']);
  });

  it('downloads a text file in netascii mode: the converted stream turns back into the same bytes', async () => {
    await hpaGetText('default.cfg', path.join(out, 'hpa-netascii'));
    expect((await readFile(path.join(out, 'hpa-netascii'))).equals(PXE_CONFIG)).toBe(true);
    // A big binary file in netascii too (streamed, not from the packet cache: over 32 MiB)
    await hpaGetText('big.bin', path.join(out, 'hpa-big-netascii'));
    expect(await sha256File(path.join(out, 'hpa-big-netascii'))).toBe(hashes['big.bin']);
  });

  it('never gets host files or escapes, each refused for its own cause', async () => {
    // tftp-hpa prints the server's ERROR as "Error code <code>: <message>"
    expect(await hpaGet('../../etc/passwd', path.join(out, 'hpa-e1'))).toContain(
      `Error code 2: ${TftpPathEscape('../../etc/passwd').message}`,
    );
    // An absolute request is relative to the boot directory, where there is no etc/passwd
    expect(await hpaGet('/etc/passwd', path.join(out, 'hpa-e2'))).toContain(
      `Error code 1: ${TftpFileNotFound('/etc/passwd', 'the boot directory of the node').message}`,
    );
    expect(await hpaGet('escape', path.join(out, 'hpa-e3'))).toContain(
      `Error code 2: ${TftpPathEscape('escape').message}`,
    );
    await hpaGet('passwd', path.join(out, 'hpa-passwd'));
    expect(await readFile(path.join(out, 'hpa-passwd'), 'utf8')).toBe('image-passwd\n');
  });
});

describe('busybox tftp client', () => {
  it.each([512, 1468, 1024])('downloads with blksize %i (with tsize)', async (blksize) => {
    await busyboxGet('start4.elf', path.join(out, `bb-${blksize}`), blksize);
    expect(await sha256File(path.join(out, `bb-${blksize}`))).toBe(hashes['start4.elf']);
  });

  it('downloads an exact multiple of blksize and the RPi serial path', async () => {
    await busyboxGet('exact.bin', path.join(out, 'bb-exact'), 1468);
    expect(await sha256File(path.join(out, 'bb-exact'))).toBe(hashes['exact.bin']);
    await busyboxGet('0123abcd/exact.bin', path.join(out, 'bb-serial'), 1468);
    expect(await sha256File(path.join(out, 'bb-serial'))).toBe(hashes['exact.bin']);
  });

  it('is refused escapes with ERROR 2 and the escape named', async () => {
    // busybox prints the server's ERROR as "server error: (<code>) <message>" and exits 1
    for (const [file, dest] of [
      ['../../etc/passwd', 'bb-e1'],
      ['escape', 'bb-e2'],
    ] as const) {
      await expect(busyboxGet(file, path.join(out, dest), 512)).rejects.toMatchObject({
        code: 1,
        stderr: expect.stringContaining(`server error: (2) ${TftpPathEscape(file).message}`) as string,
      });
    }
  });
});

describe('our client', () => {
  it('downloads past 65535 blocks with windowsize 16 and tsize', async () => {
    const result = await tftpGet({
      host,
      port,
      filename: 'big.bin',
      localAddress: host,
      options: { blksize: '512', windowsize: '16', tsize: '0' },
      maxRetries: 20,
    });
    expect(result.options).toEqual({ blksize: '512', windowsize: '16', tsize: String(BIG) });
    expect(result.sha256).toBe(hashes['big.bin']);
    expect(result.size).toBe(BIG);
  });
});
