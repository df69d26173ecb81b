// The TFTP service judged by code that is not ours: atftp (the one Debian client that asks for windowsize,
// RFC 7440) and curl download from it, byte-compared with the files; and tftpd-hpa, the reference server,
// serves the same directory beside it, so the options both negotiate and the ERROR codes both send for
// the same requests are compared. Until this file, windowsize and block rollover at a window were only
// shown with the project's own client.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import dgram from 'node:dgram';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Registry } from 'prom-client';
import type { BootDecision } from '../../agents/netboot/gate.js';
import { TftpFileNotFound } from '../../agents/tftp/errors.js';
import { createFileResolver } from '../../agents/tftp/files.js';
import { createTftpServer, type TftpServer } from '../../agents/tftp/server.js';
import { silentLogger } from '../../common/logger.js';
import { requireTool, TOOLS } from '../support/require-tool.js';

const run = promisify(execFile);
const host = '127.0.0.1';
const BIG = 33 * 1024 * 1024 + 123; // > 65535 blocks of 512 bytes: block numbers roll over
const FILES = { 'start4.elf': 2_000_000, 'exact.bin': 1024 * 40, 'big.bin': BIG } as const;
type Name = keyof typeof FILES;

let dir: string;
let boot: string;
let out: string;
let ours: TftpServer;
let ourPort: number;
let hpa: ChildProcess | undefined;
let hpaPort: number;
const hashes = {} as Record<Name, string>;

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A UDP port free on loopback now (tftpd-hpa needs a number; it binds it a moment later). */
async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, host, resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}

interface AtftpResult {
  /** The OACK as atftp's trace printed it (option → value); undefined when none came. */
  oack?: Record<string, string>;
  output: string;
}

/** atftp get with options ("windowsize 8"); resolves with its trace, rejects when it fails. */
async function atftpGet(port: number, file: string, dest: string, options: string[]): Promise<AtftpResult> {
  const args = ['--trace', ...options.flatMap((o) => ['--option', o]), '-g', '-r', file, '-l', dest];
  const { stdout, stderr } = await run('atftp', [...args, host, String(port)], {
    timeout: 180_000,
    maxBuffer: 64 * 1024 * 1024, // the trace has a line per block
  });
  const output = stdout + stderr;
  if (/error received from server|aborting/.test(output)) throw new Error(`atftp failed:\n${output}`);
  const oack = /received OACK <([^>]*)>/.exec(output)?.[1];
  if (oack === undefined) return { output };
  const pairs = oack
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => p.split(':').map((s) => s.trim()) as [string, string]);
  return { oack: Object.fromEntries(pairs), output };
}

/** tftp-hpa's one-line answer to a request it cannot serve ("Error code N: message"). */
async function hpaRefusal(port: number, file: string): Promise<string> {
  const { stdout, stderr } = await run(
    'tftp',
    [host, String(port), '-m', 'binary', '-c', 'get', file, path.join(out, 'refused')],
    { timeout: 60_000 },
  );
  return (stdout + stderr).trim();
}

beforeAll(async () => {
  for (const tool of [TOOLS.atftp, TOOLS.curl, TOOLS.tftpHpa, TOOLS.tftpdHpa]) requireTool(tool);
  dir = await mkdtemp(path.join(os.tmpdir(), 'walt-tftp-ref-'));
  const rootfs = path.join(dir, 'rootfs');
  boot = path.join(rootfs, 'boot', 'rpi-4-b');
  out = path.join(dir, 'out');
  await mkdir(boot, { recursive: true });
  await mkdir(out);
  for (const [name, size] of Object.entries(FILES) as Array<[Name, number]>) {
    const data = randomBytes(size);
    hashes[name] = createHash('sha256').update(data).digest('hex');
    await writeFile(path.join(boot, name), data, { mode: 0o644 });
  }
  // tftpd-hpa drops to an unprivileged user: the same files must be readable by it
  for (const d of [dir, rootfs, path.dirname(boot), boot]) await chmod(d, 0o755);
  const decision = { allow: true, rootfs, bootDir: boot } as BootDecision;
  ours = createTftpServer({
    host,
    port: 0,
    resolve: createFileResolver({ macOfIp: () => 'dc:a6:32:00:00:01', decide: () => decision }),
    logger: silentLogger(),
    metrics: new Registry(),
    maxBlksize: 1468,
    maxWindow: 32,
  });
  ourPort = await ours.start();
  hpaPort = await freeUdpPort();
  // -L: foreground; -s: chroot to the directory, as a tftpd-hpa install serves /srv/tftp
  hpa = spawn('in.tftpd', ['-L', '-a', `${host}:${hpaPort}`, '-s', boot], { stdio: 'ignore' });
  // Ready once it answers a request (no log line to wait for in the foreground)
  const deadline = Date.now() + 20_000;
  for (;;) {
    const answered = await atftpGet(hpaPort, 'exact.bin', path.join(out, 'hpa-ready'), []).then(
      () => true,
      () => false,
    );
    if (answered) break;
    if (Date.now() > deadline || hpa.exitCode !== null) throw new Error('tftpd-hpa did not answer in 20 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}, 120_000);

afterAll(async () => {
  if (hpa && hpa.exitCode === null) {
    const exited = new Promise((resolve) => hpa!.once('exit', resolve));
    hpa.kill('SIGTERM');
    await exited;
  }
  await ours?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('atftp (windowsize, RFC 7440)', () => {
  it('downloads with windowsize 8 and blksize 1024: the OACK grants both, the bytes are the file', async () => {
    const dest = path.join(out, 'atftp-w8');
    const { oack } = await atftpGet(ourPort, 'start4.elf', dest, ['windowsize 8', 'blksize 1024', 'tsize 0']);
    expect(oack).toEqual({ windowsize: '8', blksize: '1024', tsize: String(FILES['start4.elf']) });
    expect(await sha256File(dest)).toBe(hashes['start4.elf']);
  });

  it('downloads an exact multiple of blksize through a window (the last, empty block too)', async () => {
    const dest = path.join(out, 'atftp-exact');
    const { oack } = await atftpGet(ourPort, 'exact.bin', dest, ['windowsize 4', 'blksize 1024']);
    expect(oack).toEqual({ windowsize: '4', blksize: '1024' });
    expect(await sha256File(dest)).toBe(hashes['exact.bin']);
  });

  it('downloads past 65535 blocks of 512 bytes at windowsize 16 (block numbers roll over)', async () => {
    const dest = path.join(out, 'atftp-big');
    const { oack, output } = await atftpGet(ourPort, 'big.bin', dest, ['windowsize 16', 'blksize 512']);
    expect(oack).toEqual({ windowsize: '16', blksize: '512' });
    // atftp counts blocks past the 16-bit field: it followed the wrap to 0 as block 65536
    expect(output).toContain('DATA <block: 65536, size 512>');
    expect(await sha256File(dest)).toBe(hashes['big.bin']);
  }, 180_000);
});

describe('curl (tftp://)', () => {
  it.each([512, 1468])('downloads with --tftp-blksize %i', async (blksize) => {
    const dest = path.join(out, `curl-${blksize}`);
    await run(
      'curl',
      [
        '-sS',
        '--fail',
        '--tftp-blksize',
        String(blksize),
        '-o',
        dest,
        `tftp://${host}:${ourPort}/start4.elf`,
      ],
      {
        timeout: 120_000,
      },
    );
    expect(await sha256File(dest)).toBe(hashes['start4.elf']);
  });
});

describe('compared with tftpd-hpa serving the same files', () => {
  it('negotiates blksize, tsize and timeout as tftpd-hpa does; windowsize only ours (tftpd-hpa lacks RFC 7440)', async () => {
    const options = ['blksize 1024', 'tsize 0', 'timeout 3', 'windowsize 4'];
    const [mine, reference] = await Promise.all([
      atftpGet(ourPort, 'start4.elf', path.join(out, 'cmp-ours'), options),
      atftpGet(hpaPort, 'start4.elf', path.join(out, 'cmp-hpa'), options),
    ]);
    const { windowsize, ...rest } = mine.oack ?? {};
    expect(rest).toEqual(reference.oack);
    expect(reference.oack).toEqual({ blksize: '1024', tsize: String(FILES['start4.elf']), timeout: '3' });
    expect(windowsize).toBe('4');
    expect(await sha256File(path.join(out, 'cmp-ours'))).toBe(await sha256File(path.join(out, 'cmp-hpa')));
  });

  it('answers no OACK to a plain RFC 1350 request, as tftpd-hpa', async () => {
    const [mine, reference] = await Promise.all([
      atftpGet(ourPort, 'exact.bin', path.join(out, 'plain-ours'), []),
      atftpGet(hpaPort, 'exact.bin', path.join(out, 'plain-hpa'), []),
    ]);
    expect(mine.oack).toBeUndefined();
    expect(reference.oack).toBeUndefined();
    expect(mine.output).toMatch(/sent RRQ <file: exact\.bin, mode: octet <>>/);
  });

  it('refuses a missing file with ERROR 1 (file not found), as tftpd-hpa', async () => {
    const [mine, reference] = await Promise.all([
      hpaRefusal(ourPort, 'missing.bin'),
      hpaRefusal(hpaPort, 'missing.bin'),
    ]);
    expect(reference).toBe('Error code 1: File not found');
    expect(mine).toBe(
      `Error code 1: ${TftpFileNotFound('missing.bin', 'the boot directory of the node').message}`,
    );
  });
});
