import { createHash, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { silentLogger } from '../../common/logger.js';
import type { BootDecision } from '../netboot/gate.js';
import { tftpGet, TftpRemoteError } from './client.js';
import { createFileResolver } from './files.js';
import { decodePacket, encodeRequest, type TftpPacket } from './packet.js';
import { createTftpServer, type TftpServer } from './server.js';

const host = '127.0.0.1';
let dir: string;
let boot: string;
let server: TftpServer;
let port: number;
let metrics: Registry;
const files: Record<string, Buffer> = {};

function sha(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

async function metric(name: string, label?: string): Promise<number> {
  const found = (await metrics.getMetricsAsJSON()).find((m) => m.name === name);
  const values = (found?.values ?? []) as { value: number; labels: Record<string, string> }[];
  return values
    .filter((v) => label === undefined || Object.values(v.labels).includes(label))
    .reduce((a, v) => a + v.value, 0);
}

/** Sends raw bytes to the server and returns the first answer (or undefined after `waitMs`). */
async function exchange(packet: Buffer, waitMs = 1000): Promise<TftpPacket | undefined> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, host, resolve));
  try {
    return await new Promise((resolve) => {
      const timer = setTimeout(() => resolve(undefined), waitMs);
      socket.once('message', (msg) => {
        clearTimeout(timer);
        const decoded = decodePacket(msg);
        resolve(decoded.ok ? decoded.packet : undefined);
      });
      socket.send(packet, port, host);
    });
  } finally {
    socket.close();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'walt-tftp-server-'));
  boot = path.join(dir, 'boot', 'pc-x86-64');
  await mkdir(boot, { recursive: true });
  files['small.bin'] = randomBytes(1000);
  files['exact.bin'] = randomBytes(512 * 8);
  files['empty.bin'] = Buffer.alloc(0);
  files['medium.bin'] = randomBytes(300_000);
  for (const [name, data] of Object.entries(files)) await writeFile(path.join(boot, name), data);
  metrics = new Registry();
  const decision = { allow: true, rootfs: dir, bootDir: boot } as BootDecision;
  server = createTftpServer({
    host,
    port: 0,
    resolve: createFileResolver({ macOfIp: () => '02:00:00:00:00:01', decide: () => decision }),
    logger: silentLogger(),
    metrics,
    maxBlksize: 1468,
    maxWindow: 16,
    timeoutMs: 200,
  });
  port = await server.start();
});

afterAll(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

const get = (
  filename: string,
  extra: Partial<Parameters<typeof tftpGet>[0]> = {},
): ReturnType<typeof tftpGet> =>
  tftpGet({ host, port, filename, localAddress: host, timeoutMs: 500, maxRetries: 20, ...extra });

describe('TFTP server with our client', () => {
  it.each(['small.bin', 'exact.bin', 'empty.bin', 'medium.bin'])(
    'serves %s without options',
    async (name) => {
      const result = await get(name);
      expect(result.sha256).toBe(sha(files[name] as Buffer));
      expect(result.options).toEqual({});
    },
  );

  it('negotiates blksize, tsize, windowsize (lowered to the server limits)', async () => {
    const result = await get('medium.bin', { options: { blksize: '9000', tsize: '0', windowsize: '64' } });
    expect(result.options).toEqual({ blksize: '1468', tsize: '300000', windowsize: '16' });
    expect(result.sha256).toBe(sha(files['medium.bin'] as Buffer));
  });

  it('ends an N×blksize file with an empty block', async () => {
    const result = await get('exact.bin', { options: { blksize: '512' } });
    expect(result.size).toBe(4096);
    expect(result.dataPackets).toBe(9);
  });

  it('survives duplicated and lost ACKs', async () => {
    const dup = await get('medium.bin', { options: { blksize: '1024' }, ackFilter: () => 'duplicate' });
    expect(dup.sha256).toBe(sha(files['medium.bin'] as Buffer));
    const lossy = await get('medium.bin', {
      options: { blksize: '1024', windowsize: '8' },
      ackFilter: (_block, n) => (n % 7 === 3 ? 'drop' : 'send'),
      dallyMs: 1000,
    });
    expect(lossy.sha256).toBe(sha(files['medium.bin'] as Buffer));
  });

  it('serves concurrent transfers', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => get('medium.bin', { options: { blksize: String(512 + i * 100) } })),
    );
    for (const r of results) expect(r.sha256).toBe(sha(files['medium.bin'] as Buffer));
  });

  it('serves a replaced file from its new content, not from packets cached for the old one', async () => {
    const first = randomBytes(5000);
    await writeFile(path.join(boot, 'replaced.bin'), first);
    expect((await get('replaced.bin', { options: { blksize: '512' } })).sha256).toBe(sha(first));
    const second = randomBytes(5000);
    await writeFile(path.join(boot, 'replaced.new'), second);
    await rename(path.join(boot, 'replaced.new'), path.join(boot, 'replaced.bin'));
    expect((await get('replaced.bin', { options: { blksize: '512' } })).sha256).toBe(sha(second));
  });

  it('reads a file into the packet cache once, then serves it from memory (counted in metrics)', async () => {
    const name = 'counted.bin';
    files[name] = randomBytes(20_000);
    await writeFile(path.join(boot, name), files[name]);
    const before = {
      hit: await metric('walt_boot_cache_lookups_total', 'hit'),
      miss: await metric('walt_boot_cache_lookups_total', 'miss'),
    };
    for (let i = 0; i < 3; i++)
      expect((await get(name, { options: { blksize: '1000' } })).sha256).toBe(sha(files[name]));
    expect(await metric('walt_boot_cache_lookups_total', 'miss')).toBe(before.miss + 1);
    expect(await metric('walt_boot_cache_lookups_total', 'hit')).toBe(before.hit + 2);
    expect(await metric('walt_boot_cache_bytes')).toBeGreaterThanOrEqual(20_000 + 4 * 21);
  });

  it('answers a missing file with ERROR 1 and counts the refusal', async () => {
    const before = await metric('walt_tftp_transfers_total', 'refused');
    await expect(get('nope.bin')).rejects.toMatchObject({ tftpCode: 1 });
    await expect(get('nope.bin')).rejects.toBeInstanceOf(TftpRemoteError);
    expect(await metric('walt_tftp_transfers_total', 'refused')).toBe(before + 2);
  });

  it('refuses writes with ERROR 2 and netascii with ERROR 4', async () => {
    const wrq = await exchange(encodeRequest({ op: 'WRQ', filename: 'x', mode: 'octet', options: {} }));
    expect(wrq).toMatchObject({ op: 'ERROR', code: 2 });
    const ascii = await exchange(encodeRequest({ filename: 'small.bin', mode: 'netascii', options: {} }));
    expect(ascii).toMatchObject({ op: 'ERROR', code: 4 });
  });

  it('drops and counts malformed packets', async () => {
    const before = await metric('walt_tftp_malformed_total');
    expect(await exchange(Buffer.from([0, 9, 1, 2]), 300)).toBeUndefined();
    expect(await exchange(Buffer.from([0, 1, 65]), 300)).toBeUndefined();
    expect(await metric('walt_tftp_malformed_total')).toBe(before + 2);
  });

  it('gives up on a silent client and counts the timeout', async () => {
    // Given a client that asks and then never ACKs (its socket stays open)
    const before = await metric('walt_tftp_transfers_total', 'timeout');
    const silent = createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, host, resolve));
    let data = 0;
    silent.on('message', () => (data += 1));
    silent.send(encodeRequest({ filename: 'small.bin', mode: 'octet', options: {} }), port, host);
    // Then the server resends block 1 and gives up after its retries
    for (let i = 0; i < 200 && (await metric('walt_tftp_transfers_total', 'timeout')) === before; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    silent.close();
    expect(await metric('walt_tftp_transfers_total', 'timeout')).toBe(before + 1);
    expect(data).toBe(6);
    expect(server.activeTransfers).toBe(0);
  });
});

describe('TFTP server without its packet cache (blocks read from the file as the transfer goes)', () => {
  let streaming: TftpServer;
  let streamingPort: number;
  const streamingMetrics = new Registry();

  beforeAll(async () => {
    const decision = { allow: true, rootfs: dir, bootDir: boot } as BootDecision;
    streaming = createTftpServer({
      host,
      port: 0,
      resolve: createFileResolver({ macOfIp: () => '02:00:00:00:00:01', decide: () => decision }),
      logger: silentLogger(),
      metrics: streamingMetrics,
      maxBlksize: 1468,
      maxWindow: 16,
      timeoutMs: 200,
      packetCache: { maxBytes: 0, maxFileBytes: 0 },
    });
    streamingPort = await streaming.start();
  });
  afterAll(() => streaming.stop());

  it.each([
    ['small.bin', {}],
    ['exact.bin', { blksize: '512' }],
    ['empty.bin', {}],
    ['medium.bin', { blksize: '1468' }],
    ['medium.bin', { blksize: '1024', windowsize: '8' }],
  ])('serves %s with options %j', async (name, options: Record<string, string>) => {
    const result = await get(name, { port: streamingPort, options });
    expect(result.sha256).toBe(sha(files[name] as Buffer));
  });

  it('counts its lookups as uncached', async () => {
    const registry = streamingMetrics;
    const uncached = async (): Promise<number> => {
      const found = (await registry.getMetricsAsJSON()).find(
        (m) => m.name === 'walt_boot_cache_lookups_total',
      );
      return (found?.values ?? [])
        .filter((v) => v.labels.result === 'uncached')
        .reduce((a, v) => a + v.value, 0);
    };
    const before = await uncached();
    await get('small.bin', { port: streamingPort });
    expect(await uncached()).toBe(before + 1);
  });

  it('survives lost ACKs in a window', async () => {
    const lossy = await get('medium.bin', {
      port: streamingPort,
      options: { blksize: '1024', windowsize: '8' },
      ackFilter: (_block, n) => (n % 5 === 2 ? 'drop' : 'send'),
      dallyMs: 1000,
    });
    expect(lossy.sha256).toBe(sha(files['medium.bin'] as Buffer));
  });
});
