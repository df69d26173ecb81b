// bench/tftp: download throughput of our TFTP server against tftpd-hpa (in.tftpd, the server WalT uses),
// same 32 MiB file, same client, on loopback. blksize 1468; windowsize 1 and 8. tftpd-hpa 5.2 has no
// windowsize (RFC 7440): it leaves the option out of its OACK, so its "windowsize 8" rows are
// lock-step transfers and are printed for what they are.
// Run: npx tsx bench/tftp/run.ts [-- --rounds 3 --size-mib 32]
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { Registry } from 'prom-client';
import { tftpGet } from '../../test/support/tftp-client.js';
import { createFileResolver } from '../../agents/tftp/files.js';
import { createTftpServer } from '../../agents/tftp/server.js';
import type { BootDecision } from '../../agents/netboot/gate.js';
import { silentLogger } from '../../common/logger.js';

const exec = promisify(execFile);
const host = '127.0.0.1';
const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '3' }, 'size-mib': { type: 'string', default: '32' } },
});
const rounds = Number(values.rounds);
const size = Number(values['size-mib']) * 1024 * 1024;

async function freePort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, host, resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}

async function startTftpdHpa(root: string): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn('/usr/sbin/in.tftpd', ['-L', '-s', root, '-a', `${host}:${port}`, '-B', '1468'], {
    stdio: 'ignore',
  });
  await new Promise((r) => setTimeout(r, 500));
  return { port, child };
}

type Client = 'ours' | 'busybox';

async function download(client: Client, port: number, windowsize: number, dest: string): Promise<number> {
  const started = process.hrtime.bigint();
  if (client === 'busybox') {
    await exec('busybox', ['tftp', '-g', '-r', 'big.bin', '-l', dest, '-b', '1468', host, String(port)]);
  } else {
    const r = await tftpGet({
      host,
      port,
      filename: 'big.bin',
      localAddress: host,
      options: { blksize: '1468', windowsize: String(windowsize) },
    });
    if (r.size !== size) throw new Error(`got ${r.size} bytes`);
  }
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function median(work: () => Promise<number>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) times.push(await work());
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

const mbps = (seconds: number): string => (size / 1e6 / seconds).toFixed(1);

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'walt-bench-tftp-'));
  const boot = path.join(dir, 'boot', 'pc-x86-64');
  await mkdir(boot, { recursive: true });
  await writeFile(path.join(boot, 'big.bin'), randomBytes(size));
  await chmod(dir, 0o755); // in.tftpd drops to "nobody"
  const ours = createTftpServer({
    host,
    port: 0,
    resolve: createFileResolver({
      macOfIp: () => '02:00:00:00:00:01',
      decide: () => ({ allow: true, rootfs: dir, bootDir: boot }) as BootDecision,
    }),
    logger: silentLogger(),
    metrics: new Registry(),
    maxBlksize: 1468,
  });
  const oursPort = await ours.start();
  const hpa = await startTftpdHpa(boot);
  const dest = path.join(dir, 'out');
  try {
    console.log(`${size / 1048576} MiB, blksize 1468, median of ${rounds} runs, loopback`);
    console.log('client   window  ours MB/s  tftpd-hpa MB/s  ratio');
    for (const [client, windowsize] of [
      ['ours', 1],
      ['ours', 8],
      ['busybox', 1],
    ] as const) {
      const a = await median(() => download(client, oursPort, windowsize, dest));
      const b = await median(() => download(client, hpa.port, windowsize, dest));
      const note = windowsize > 1 ? '  (tftpd-hpa ignores windowsize: lock-step)' : '';
      console.log(
        `${client.padEnd(8)} ${String(windowsize).padEnd(7)} ${mbps(a).padEnd(10)} ${mbps(b).padEnd(15)} ${(b / a).toFixed(2)}${note}`,
      );
    }
  } finally {
    hpa.child.kill();
    await ours.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
