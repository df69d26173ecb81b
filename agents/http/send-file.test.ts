// Boot file bodies on a real port: streamed through the reused buffers (cache off) and from the
// in-memory cache, whole and as ranges across chunk boundaries, with a client that goes away mid-file.
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { FileCacheOptions } from './file-cache.js';
import { CHUNK_BYTES } from './pump.js';
import {
  bytes,
  type FixtureRootfs,
  makeRootfs,
  MODEL,
  oneNodeServer,
} from '../../test/support/fixtures/http-boot.js';

const MAC = '52:54:00:00:01:01';

async function serve(fx: FixtureRootfs, fileCache: FileCacheOptions): Promise<FastifyInstance> {
  const app = oneNodeServer({
    rootfs: fx.rootfs,
    serverAddress: '192.168.152.1',
    mac: MAC,
    macOfIp: () => undefined,
    fileCache,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return app;
}

const urlOf = (app: FastifyInstance, file: string): string =>
  `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/boot/vn1/${file}`;

async function get(url: string, range?: string): Promise<{ status: number; body: Buffer }> {
  const res = await fetch(url, range ? { headers: { range } } : {});
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
}

/** Reads the first bytes of the answer, then drops the connection. */
function abortAfterFirstBytes(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, (res) => {
      res.once('data', () => {
        req.destroy();
        resolve();
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) =>
      error.code === 'ECONNRESET' ? resolve() : reject(error),
    );
  });
}

describe.each([
  ['streamed (cache off)', { maxBytes: 0, maxFileBytes: 0 }],
  ['from the cache', { maxBytes: 64 << 20, maxFileBytes: 64 << 20 }],
])('boot file bodies %s', (_label, fileCache) => {
  let fx: FixtureRootfs;
  let app: FastifyInstance;
  // Several chunks and a short last one.
  const big = bytes('big', 3 * CHUNK_BYTES + 12345);

  beforeAll(async () => {
    fx = await makeRootfs();
    await fs.writeFile(path.join(fx.rootfs, 'boot', MODEL, 'big.img'), big);
    app = await serve(fx, fileCache);
  });

  afterAll(async () => {
    await app.close();
    await fx.remove();
  });

  it('sends the whole file, by many clients at once', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => get(urlOf(app, 'big.img'))));
    for (const r of results) {
      expect(r.status).toBe(200);
      expect(r.body.equals(big)).toBe(true);
    }
  });

  it('sends ranges across chunk boundaries', async () => {
    const start = CHUNK_BYTES - 10;
    const end = 2 * CHUNK_BYTES + 10;
    const r = await get(urlOf(app, 'big.img'), `bytes=${start}-${end}`);
    expect(r.status).toBe(206);
    expect(r.body.equals(big.subarray(start, end + 1))).toBe(true);
    const tail = await get(urlOf(app, 'big.img'), 'bytes=-5');
    expect(tail.body.equals(big.subarray(-5))).toBe(true);
  });

  it('keeps serving after a client went away mid-file', async () => {
    await abortAfterFirstBytes(urlOf(app, 'big.img'));
    await abortAfterFirstBytes(urlOf(app, 'big.img'));
    const r = await get(urlOf(app, 'big.img'));
    expect(r.body.equals(big)).toBe(true);
  });

  it('sends the new content of a file replaced in place', async () => {
    const file = path.join(fx.rootfs, 'boot', MODEL, 'replaced');
    await fs.writeFile(file, 'old content');
    expect((await get(urlOf(app, 'replaced'))).body.toString()).toBe('old content');
    await fs.writeFile(`${file}.new`, 'new content, longer');
    await fs.rename(`${file}.new`, file);
    expect((await get(urlOf(app, 'replaced'))).body.toString()).toBe('new content, longer');
  });
});
