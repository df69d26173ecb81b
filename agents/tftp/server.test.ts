import { createHash, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { silentLogger } from '../../common/logger.js';
import type { BootDecision } from '../netboot/gate.js';
import { tftpGet, TftpRemoteError } from '../../test/support/tftp-client.js';
import { TftpClientBusy, TftpFileNotFound, TftpReadOnly, TftpUnsupportedMode } from './errors.js';
import { createFileResolver } from './files.js';
import { toNetascii } from './netascii.js';
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
  files['pxelinux.cfg'] = Buffer.from(
    'DEFAULT walt\nLABEL walt\n  KERNEL vmlinuz\r\n  APPEND initrd=initrd.img\n'.repeat(400),
  );
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
    // This suite sends many bad requests from one address: the limit has its own tests below.
    errorRate: { perClient: { ratePerSec: 1000, burst: 1000 }, total: { ratePerSec: 1000, burst: 1000 } },
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
    await expect(get('nope.bin')).rejects.toMatchObject({
      tftpCode: 1,
      message: `TFTP server error 1: ${TftpFileNotFound('nope.bin', 'the boot directory of the node').message}`,
    });
    await expect(get('nope.bin')).rejects.toBeInstanceOf(TftpRemoteError);
    expect(await metric('walt_tftp_transfers_total', 'refused')).toBe(before + 2);
  });

  it('refuses writes with ERROR 2 and modes other than octet and netascii with ERROR 4, each for its cause', async () => {
    const wrq = await exchange(encodeRequest({ op: 'WRQ', filename: 'x', mode: 'octet', options: {} }));
    expect(wrq).toMatchObject({ op: 'ERROR', code: 2, message: TftpReadOnly('x').message });
    const mail = await exchange(encodeRequest({ filename: 'small.bin', mode: 'mail', options: {} }));
    expect(mail).toMatchObject({ op: 'ERROR', code: 4, message: TftpUnsupportedMode('mail').message });
  });

  it.each([
    ['an unknown mode', Buffer.from('\x00\x01small.bin\x00binary\x00', 'latin1'), 4],
    ['a NUL inside the file name', Buffer.from('\x00\x01small\x00.bin\x00octet\x00', 'latin1'), 4],
    ['a missing terminator', Buffer.from('\x00\x01small.bin\x00octet', 'latin1'), 4],
    ['an unknown opcode', Buffer.from([0, 9, 1, 2]), 4],
    ['garbage shorter than an opcode', Buffer.from([7]), 4],
    [
      'a request longer than 512 bytes',
      encodeRequest({ filename: 'a'.repeat(600), mode: 'octet', options: {} }),
      4,
    ],
    ['an ACK on the listening port', Buffer.from([0, 4, 0, 1]), 5],
  ])('answers %s with an ERROR and counts it', async (_what, packet, code) => {
    const before = await metric('walt_tftp_malformed_total');
    // The cause, not just the code: a malformed request (4), or no transfer with this TID (5)
    const message = code === 4 ? /^malformed TFTP packet \(/ : /^unknown transfer ID/;
    expect(await exchange(packet)).toMatchObject({
      op: 'ERROR',
      code,
      message: expect.stringMatching(message) as string,
    });
    expect(await metric('walt_tftp_malformed_total')).toBe(before + 1);
  });

  it('never answers an ERROR packet (no error loop), but counts it', async () => {
    const before = await metric('walt_tftp_malformed_total', 'error-packet');
    expect(await exchange(Buffer.from([0, 5, 0, 1, 65, 0]), 300)).toBeUndefined();
    expect(await exchange(Buffer.from([0, 5]), 300)).toBeUndefined();
    expect(await metric('walt_tftp_malformed_total', 'error-packet')).toBe(before + 2);
  });

  it('ignores a timeout option above its limit (10 s): the server timeout applies', async () => {
    const result = await get('small.bin', { options: { timeout: '255', blksize: '512' } });
    expect(result.options).toEqual({ blksize: '512' });
    expect(result.sha256).toBe(sha(files['small.bin'] as Buffer));
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

describe('netascii (RFC 1350), from the packet cache and streamed', () => {
  let streaming: TftpServer;
  let streamingPort: number;
  beforeAll(async () => {
    const decision = { allow: true, rootfs: dir, bootDir: boot } as BootDecision;
    streaming = createTftpServer({
      host,
      port: 0,
      resolve: createFileResolver({ macOfIp: () => '02:00:00:00:00:01', decide: () => decision }),
      logger: silentLogger(),
      metrics: new Registry(),
      maxBlksize: 1468,
      maxWindow: 16,
      timeoutMs: 200,
      packetCache: { maxBytes: 0, maxFileBytes: 0 },
    });
    streamingPort = await streaming.start();
  });
  afterAll(() => streaming.stop());

  it.each([
    ['cached', {}],
    ['cached', { blksize: '1000', windowsize: '4', tsize: '0' }],
    ['streamed', {}],
    ['streamed', { blksize: '1000', windowsize: '4', tsize: '0' }],
  ])(
    '%s: sends the file with CR LF line ends, options %j',
    async (where, options: Record<string, string>) => {
      const expected = toNetascii(files['pxelinux.cfg']!);
      const result = await get('pxelinux.cfg', {
        mode: 'netascii',
        options,
        ...(where === 'streamed' ? { port: streamingPort } : {}),
      });
      expect(result.sha256).toBe(sha(expected));
      if (options.tsize) expect(result.options.tsize).toBe(String(expected.length));
    },
  );

  it('streamed: survives lost ACKs in a window', async () => {
    const lossy = await get('pxelinux.cfg', {
      port: streamingPort,
      mode: 'netascii',
      options: { blksize: '512', windowsize: '8' },
      ackFilter: (_block, n) => (n % 5 === 2 ? 'drop' : 'send'),
      dallyMs: 1000,
    });
    expect(lossy.sha256).toBe(sha(toNetascii(files['pxelinux.cfg']!)));
  });
});

describe('TFTP server caps and ERROR rate limit', () => {
  let capped: TftpServer;
  let cappedPort: number;
  const cappedMetrics = new Registry();
  const capMetric = async (name: string): Promise<number> => {
    const found = (await cappedMetrics.getMetricsAsJSON()).find((m) => m.name === name);
    return ((found?.values ?? []) as { value: number }[]).reduce((a, v) => a + v.value, 0);
  };
  beforeAll(async () => {
    const decision = { allow: true, rootfs: dir, bootDir: boot } as BootDecision;
    capped = createTftpServer({
      host,
      port: 0,
      resolve: createFileResolver({ macOfIp: () => '02:00:00:00:00:01', decide: () => decision }),
      logger: silentLogger(),
      metrics: cappedMetrics,
      timeoutMs: 60_000,
      maxTransfers: 3,
      maxTransfersPerClient: 2,
      // 3 ERRORs per address at once, then one every 1000 s: no refill during the test.
      errorRate: { perClient: { ratePerSec: 0.001, burst: 3 }, total: { ratePerSec: 0.001, burst: 5 } },
    });
    cappedPort = await capped.start();
  });
  afterAll(() => capped.stop());

  /** A client that asks for a file and never ACKs: its transfer stays open. */
  async function silentClient(address: string): Promise<{ first: Promise<TftpPacket>; close(): void }> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, address, resolve));
    const first = new Promise<TftpPacket>((resolve) =>
      socket.once('message', (msg) => {
        const decoded = decodePacket(msg);
        if (decoded.ok) resolve(decoded.packet);
      }),
    );
    socket.send(encodeRequest({ filename: 'small.bin', mode: 'octet', options: {} }), cappedPort, host);
    return { first, close: () => socket.close() };
  }

  it('refuses a third transfer of one address with ERROR 0, serves another address, then the total cap', async () => {
    const open = [await silentClient('127.0.0.1'), await silentClient('127.0.0.1')];
    for (const c of open) expect(await c.first).toMatchObject({ op: 'DATA', block: 1 });
    // Then the same address is over its cap
    const third = await silentClient('127.0.0.1');
    expect(await third.first).toMatchObject({
      op: 'ERROR',
      code: 0,
      message: TftpClientBusy('127.0.0.1', 2).message,
    });
    expect(await capMetric('walt_tftp_client_capped_total')).toBe(1);
    // Another address is not
    const other = await silentClient('127.0.0.2');
    expect(await other.first).toMatchObject({ op: 'DATA', block: 1 });
    // And a fourth address finds the server full (3 in all)
    const full = await silentClient('127.0.0.3');
    expect(await full.first).toMatchObject({ op: 'ERROR', code: 0, message: 'server busy, try again' });
    for (const c of [...open, third, other, full]) c.close();
    await capped.stop();
    cappedPort = await capped.start();
  });

  it('sends at most the burst of ERRORs to one address and counts the ones dropped', async () => {
    // Given a client spraying 10 garbage packets
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.4', resolve));
    const answers: TftpPacket[] = [];
    socket.on('message', (msg) => {
      const decoded = decodePacket(msg);
      if (decoded.ok) answers.push(decoded.packet);
    });
    const before = await capMetric('walt_tftp_malformed_total');
    for (let i = 0; i < 10; i++) socket.send(Buffer.from([0, 42]), cappedPort, host);
    // When the server has seen them all
    for (let i = 0; i < 200 && (await capMetric('walt_tftp_malformed_total')) < before + 10; i++)
      await new Promise((r) => setTimeout(r, 20));
    // Then 3 were answered and 7 dropped
    for (let i = 0; i < 200 && answers.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
    socket.close();
    expect(answers).toHaveLength(3);
    expect(answers.every((a) => a.op === 'ERROR' && a.code === 4)).toBe(true);
    expect(await capMetric('walt_tftp_error_replies_dropped_total')).toBe(7);
  });
});
