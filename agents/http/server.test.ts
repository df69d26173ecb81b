// The HTTP service on a real port, against an image-like rootfs in a temp dir, with curl and fetch.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { silentLogger } from '../../common/logger.js';
import { runPlan } from '../../test/support/raw-http.js';
import { waitsLong } from './guards.js';
import type { BootupEvent } from './context.js';
import { createHttpMetrics } from './metrics.js';
import { createHttpServer } from './server.js';
import {
  IMAGE_DIGEST,
  imageFixture,
  makeRootfs,
  nodeFixture,
  segmentFixture,
  viewOf,
  type FixtureRootfs,
} from '../../test/support/fixtures/http-boot.js';

const run = promisify(execFile);
const MAC1 = '52:54:00:00:00:01';
const MAC2 = '52:54:00:00:00:02';
const MAC3 = '52:54:00:00:00:03';
const MAC4 = '52:54:00:00:00:04';
const MAC5 = '52:54:00:00:00:05';
const MAC6 = '52:54:00:00:00:06';

interface CurlResult {
  code: number;
  body: Buffer;
  headers: string;
}

describe('HTTP service', () => {
  let fx: FixtureRootfs;
  let chainFx: FixtureRootfs;
  let app: FastifyInstance;
  let base: string;
  let registry: Registry;
  const leases = new Map<string, string>([['192.168.152.10', MAC1]]);
  const bootups: BootupEvent[] = [];

  beforeAll(async () => {
    fx = await makeRootfs();
    chainFx = await makeRootfs({ startIpxe: true });
    const view = viewOf({
      segments: [segmentFixture('lab')],
      nodes: [
        nodeFixture('vn1', MAC1, 'lab', 'lab/debian'),
        nodeFixture('vn2', MAC2, 'lab', 'lab/notready'),
        nodeFixture('vn3', MAC3, 'lab', 'lab/walt'),
        nodeFixture('elsewhere', MAC4, 'other', 'lab/debian'),
        nodeFixture('nokernel', MAC5, 'lab', 'lab/nokernel'),
        nodeFixture('unsafe', MAC6, 'lab', 'lab/unsafe'),
      ],
      images: [
        imageFixture('lab/debian', 'lab', ['sha256:debian']),
        imageFixture('lab/notready', 'lab', []),
        imageFixture('lab/walt', 'lab', ['sha256:walt']),
        imageFixture('lab/nokernel', 'lab', ['sha256:nokernel']),
        imageFixture('lab/unsafe', 'lab', ['sha256:unsafe']),
      ],
      // The temp dir itself has no boot/<model>/: an image without kernel.
      rootfs: {
        'sha256:debian': fx.rootfs,
        'sha256:walt': chainFx.rootfs,
        'sha256:nokernel': fx.dir,
        'sha256:unsafe': fx.rootfs,
      },
    });
    registry = new Registry();
    app = createHttpServer({
      segment: 'lab',
      serverAddress: '192.168.152.1',
      view,
      macOfIp: (ip) => leases.get(ip),
      // lab/unsafe is exported at a path no iPXE script may carry.
      exportPathOf: (target) =>
        `/exports/${target.image.manifestDigest.replace(':', target.image.name === 'unsafe' ? ' ${x} ' : '-')}`,
      extraKernelArgs: () => ['console=ttyS0'],
      onBootup: (event) => {
        bootups.push(event);
        return Promise.resolve();
      },
      logger: silentLogger(),
      metrics: createHttpMetrics(registry),
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await app.close();
    await fx.remove();
    await chainFx.remove();
  });

  async function curl(urlPath: string, ...args: string[]): Promise<CurlResult> {
    const out = path.join(fx.dir, `curl-${Math.random().toString(16).slice(2)}`);
    const headerFile = `${out}.headers`;
    const { stdout } = await run(
      'curl',
      [
        '-s',
        '-S',
        '--max-time',
        '30',
        '-o',
        out,
        '-D',
        headerFile,
        '-w',
        '%{http_code}',
        ...args,
        `${base}${urlPath}`,
      ],
      { timeout: 40_000 },
    );
    const body = await fs.readFile(out).catch(() => Buffer.alloc(0));
    const headers = await fs.readFile(headerFile, 'utf8');
    return { code: Number(stdout), body, headers: headers.toLowerCase() };
  }

  async function errorOf(res: Response): Promise<string> {
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as { error: string; message: string };
    expect(body.message.length).toBeGreaterThan(10);
    return body.error;
  }

  describe('GET /healthz', () => {
    it('answers ok', async () => {
      const res = await fetch(`${base}/healthz`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'ok' });
    });
  });

  describe('GET /ipxe/boot.ipxe', () => {
    it('gives an allowed node the script booting its kernel and initrd over NFS', async () => {
      // Given vn1 with an unpacked image, When iPXE asks with its MAC (any case, hyphens)
      const res = await fetch(`${base}/ipxe/boot.ipxe?mac=52-54-00-00-00-01`);
      // Then it gets its boot script
      expect(res.status).toBe(200);
      const script = await res.text();
      expect(script.split('\n')[0]).toBe('#!ipxe');
      expect(script).toContain(
        'kernel http://192.168.152.1/boot/vn1/vmlinuz initrd=initrd.img root=/dev/nfs ' +
          'nfsroot=192.168.152.1:/exports/sha256-debian,vers=3,nolock,tcp,nocto ip=${ip}:${next-server}:${gateway}:${netmask}:vn1::off ro init=/walt/init ' +
          'walt.node=vn1 walt.server=192.168.152.1 console=ttyS0 || goto failed',
      );
      expect(script).toContain('initrd http://192.168.152.1/boot/vn1/initrd.img || goto failed');
      expect(script).toContain('\nboot || goto failed\n');
    });

    it("chains the image's own start.ipxe when it has one", async () => {
      const script = await (await fetch(`${base}/ipxe/boot.ipxe?mac=${MAC3}`)).text();
      expect(script).toContain('set walt_node vn3');
      expect(script).toContain('chain http://192.168.152.1/boot/vn3/start.ipxe || goto failed');
      expect(script).not.toMatch(/^kernel /m);
    });

    it.each([
      ['a node whose image is not unpacked', MAC2, 'ImageNotReady'],
      ['an unknown MAC', '52:54:00:99:99:99', 'UnknownNode'],
      ['a node of another segment', MAC4, 'OtherSegment'],
      ['a node whose image has no kernel for its model', MAC5, 'NoBootFiles'],
      ['a node whose export path cannot go into a script', MAC6, 'WALT_ERR_HTTP_UNSAFE_SCRIPT_VALUE'],
    ])('gives %s a script that says why and retries, booting nothing', async (_what, mac, reason) => {
      const res = await fetch(`${base}/ipxe/boot.ipxe?mac=${mac}`);
      expect(res.status).toBe(200);
      const script = await res.text();
      expect(script).toContain(`echo walt: cannot boot now: ${reason}`);
      expect(script).toContain('sleep 10');
      expect(script).toContain(`chain http://192.168.152.1/ipxe/boot.ipxe?mac=${mac} || reboot`);
      expect(script).not.toMatch(/^(kernel|initrd|boot)\b/m);
    });

    it('finds the MAC from the DHCP lease of the client address', async () => {
      leases.set('127.0.0.1', MAC1);
      try {
        const script = await (await fetch(`${base}/ipxe/boot.ipxe`)).text();
        expect(script).toContain('walt.node=vn1');
      } finally {
        leases.delete('127.0.0.1');
      }
    });

    it('refuses a request without MAC from an address without lease (400 WALT_ERR_HTTP_NO_MAC)', async () => {
      const res = await fetch(`${base}/ipxe/boot.ipxe`);
      expect(res.status).toBe(400);
      expect(await errorOf(res)).toBe('WALT_ERR_HTTP_NO_MAC');
    });

    it('refuses a malformed MAC (400 WALT_ERR_HTTP_INVALID_REQUEST)', async () => {
      const res = await fetch(`${base}/ipxe/boot.ipxe?mac=52:54:00:zz:00:01`);
      expect(res.status).toBe(400);
      expect(await errorOf(res)).toBe('WALT_ERR_HTTP_INVALID_REQUEST');
    });
  });

  describe('GET /boot/<node>/<file>', () => {
    it('sends a whole file with its validators (curl)', async () => {
      const res = await curl('/boot/vn1/vmlinuz');
      expect(res.code).toBe(200);
      expect(res.body.equals(fx.kernel)).toBe(true);
      expect(res.headers).toContain('accept-ranges: bytes');
      expect(res.headers).toContain(`content-length: ${fx.kernel.length}`);
      expect(res.headers).toMatch(/etag: "[0-9a-f]+-[0-9a-f]+-[0-9a-f]+"/);
      expect(res.headers).toMatch(/last-modified: \w{3}, \d\d \w{3} \d{4}/);
    });

    it('sends one range (curl -r 0-99)', async () => {
      const res = await curl('/boot/vn1/vmlinuz', '-r', '0-99');
      expect(res.code).toBe(206);
      expect(res.body.equals(fx.kernel.subarray(0, 100))).toBe(true);
      expect(res.headers).toContain(`content-range: bytes 0-99/${fx.kernel.length}`);
      expect(res.headers).toContain('content-length: 100');
    });

    it('sends suffix and open ranges (fetch)', async () => {
      const suffix = await fetch(`${base}/boot/vn1/initrd.img`, { headers: { range: 'bytes=-100' } });
      expect(suffix.status).toBe(206);
      expect(Buffer.from(await suffix.arrayBuffer()).equals(fx.initrd.subarray(-100))).toBe(true);
      const size = fx.kernel.length;
      const open = await fetch(`${base}/boot/vn1/vmlinuz`, { headers: { range: `bytes=${size - 17}-` } });
      expect(open.status).toBe(206);
      expect(open.headers.get('content-range')).toBe(`bytes ${size - 17}-${size - 1}/${size}`);
      expect(Buffer.from(await open.arrayBuffer()).equals(fx.kernel.subarray(size - 17))).toBe(true);
    });

    it('answers 416 to a range beyond the end', async () => {
      const res = await fetch(`${base}/boot/vn1/vmlinuz`, { headers: { range: 'bytes=99999999-' } });
      expect(res.status).toBe(416);
      expect(res.headers.get('content-range')).toBe(`bytes */${fx.kernel.length}`);
      expect(await errorOf(res)).toBe('WALT_ERR_HTTP_RANGE_NOT_SATISFIABLE');
      const curled = await curl('/boot/vn1/vmlinuz', '-r', '99999999-');
      expect(curled.code).toBe(416);
    });

    it('answers 400 to several ranges or a malformed one', async () => {
      for (const range of ['bytes=0-1,5-6', 'bytes=9-1', 'lines=1-2']) {
        const res = await fetch(`${base}/boot/vn1/vmlinuz`, { headers: { range } });
        expect(res.status).toBe(400);
        expect(await errorOf(res)).toBe('WALT_ERR_HTTP_BAD_RANGE');
      }
    });

    it('ignores a Range whose If-Range no longer matches', async () => {
      const res = await fetch(`${base}/boot/vn1/vmlinuz`, {
        headers: { range: 'bytes=0-9', 'if-range': '"stale"' },
      });
      expect(res.status).toBe(200);
      expect((await res.arrayBuffer()).byteLength).toBe(fx.kernel.length);
    });

    it('answers HEAD with the headers only', async () => {
      const res = await fetch(`${base}/boot/vn1/initrd.img`, { method: 'HEAD' });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-length')).toBe(String(fx.initrd.length));
      expect((await res.arrayBuffer()).byteLength).toBe(0);
      const curled = await curl('/boot/vn1/initrd.img', '--head');
      expect(curled.code).toBe(200);
      expect(curled.headers).toContain('accept-ranges: bytes');
    });

    it('sends an empty file', async () => {
      const res = await curl('/boot/vn1/empty');
      expect(res.code).toBe(200);
      expect(res.body.length).toBe(0);
    });

    it('follows links inside the image, absolute ones from the image root', async () => {
      expect((await curl('/boot/vn1/link-rel')).body.equals(fx.kernel)).toBe(true);
      expect((await curl('/boot/vn1/link-abs')).body.equals(fx.initrd)).toBe(true);
      expect((await curl('/boot/vn1/etc-link')).body.toString()).toBe('image-host\n');
    });

    it.each([
      '/boot/vn1/escape-rel',
      '/boot/vn1/escape-dotdot',
      '/boot/vn1/../../../outside-secret',
      '/boot/vn1/%2e%2e/%2e%2e/%2e%2e/outside-secret',
    ])('refuses %s, which leaves the image (403 WALT_ERR_HTTP_PATH_ESCAPE)', async (urlPath) => {
      const res = await curl(urlPath, '--path-as-is');
      expect(res.code).toBe(403);
      expect(JSON.parse(res.body.toString())).toMatchObject({ error: 'WALT_ERR_HTTP_PATH_ESCAPE' });
      expect(res.body.toString()).not.toContain('secret outside');
    });

    it('answers 404 WALT_ERR_HTTP_UNKNOWN_NODE for an unknown node', async () => {
      const res = await fetch(`${base}/boot/nosuch/vmlinuz`);
      expect(res.status).toBe(404);
      expect(await errorOf(res)).toBe('WALT_ERR_HTTP_UNKNOWN_NODE');
    });

    it.each(['missing', 'subdir', 'loop', 'vmlinuz/x'])(
      'answers 404 WALT_ERR_HTTP_FILE_NOT_FOUND for %s',
      async (file) => {
        const res = await fetch(`${base}/boot/vn1/${file}`);
        expect(res.status).toBe(404);
        expect(await errorOf(res)).toBe('WALT_ERR_HTTP_FILE_NOT_FOUND');
      },
    );

    it('answers 503 WALT_ERR_HTTP_BOOT_DENIED for a node that may not boot now', async () => {
      const res = await fetch(`${base}/boot/vn2/vmlinuz`);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('10');
      expect(await errorOf(res)).toBe('WALT_ERR_HTTP_BOOT_DENIED');
    });

    it('answers 409 WALT_ERR_HTTP_OTHER_SEGMENT for a node of another segment', async () => {
      const res = await fetch(`${base}/boot/elsewhere/vmlinuz`);
      expect(res.status).toBe(409);
      expect(await errorOf(res)).toBe('WALT_ERR_HTTP_OTHER_SEGMENT');
    });
  });

  describe('GET /boot/<file>?node_ip= (WalT-compatible)', () => {
    it('serves the node at node_ip, by its DHCP lease', async () => {
      const res = await curl('/boot/vmlinuz?node_ip=192.168.152.10', '-r', '10-19');
      expect(res.code).toBe(206);
      expect(res.body.equals(fx.kernel.subarray(10, 20))).toBe(true);
    });

    it('serves the node at the client address, paths with directories included', async () => {
      leases.set('127.0.0.1', MAC1);
      try {
        expect((await curl('/boot/initrd.img')).body.equals(fx.initrd)).toBe(true);
        expect((await curl('/boot/subdir/../vmlinuz', '--path-as-is')).body.equals(fx.kernel)).toBe(true);
      } finally {
        leases.delete('127.0.0.1');
      }
    });

    it('answers 404 for an address without lease and 400 for a bad node_ip', async () => {
      const unknown = await fetch(`${base}/boot/vmlinuz?node_ip=192.168.152.99`);
      expect(unknown.status).toBe(404);
      expect(await errorOf(unknown)).toBe('WALT_ERR_HTTP_UNKNOWN_NODE');
      const bad = await fetch(`${base}/boot/vmlinuz?node_ip=999.1.1.1`);
      expect(bad.status).toBe(400);
      expect(await errorOf(bad)).toBe('WALT_ERR_HTTP_INVALID_REQUEST');
    });
  });

  describe('POST bootup', () => {
    const post = (urlPath: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> =>
      fetch(`${base}${urlPath}`, {
        method: 'POST',
        headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });

    /** Runs `fn` with the test client (127.0.0.1) holding the lease of `mac`. */
    async function asHolderOf<T>(mac: string, fn: () => Promise<T>): Promise<T> {
      leases.set('127.0.0.1', mac);
      try {
        return await fn();
      } finally {
        leases.delete('127.0.0.1');
      }
    }

    it('records the bootup of a named node from its lease address, with that address and its image', async () => {
      bootups.length = 0;
      const res = await asHolderOf(MAC1, () => post('/api/v1/nodes/vn1/bootup', { ip: '127.0.0.1' }));
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ node: 'vn1', phase: 'Ready', ip: '127.0.0.1' });
      expect(bootups).toHaveLength(1);
      expect(bootups[0]).toMatchObject({ ip: '127.0.0.1', image: 'lab/debian', imageDigest: IMAGE_DIGEST });
      expect(bootups[0]?.node.metadata.name).toBe('vn1');
      expect(bootups[0]?.at).toBeInstanceOf(Date);
    });

    it('takes the client address when the body has none (empty body)', async () => {
      bootups.length = 0;
      const res = await asHolderOf(MAC2, () => post('/api/v1/nodes/vn2/bootup'));
      expect(res.status).toBe(200);
      expect(bootups[0]).toMatchObject({ ip: '127.0.0.1', image: 'lab/notready' });
    });

    it('refuses a bootup from an address without lease, named or WalT-style (403 WALT_ERR_HTTP_NOT_FROM_NODE)', async () => {
      bootups.length = 0;
      for (const [urlPath, body] of [
        ['/api/v1/nodes/vn1/bootup', undefined],
        ['/api/v1/nodes/vn1/bootup', { ip: '192.168.152.10' }],
        ['/api/v1/bootup', { name: 'vn1' }],
        ['/api/v1/bootup', { ip: '192.168.152.10' }],
      ] as const) {
        const res = await post(urlPath, body);
        expect([urlPath, res.status]).toEqual([urlPath, 403]);
        expect(await errorOf(res)).toBe('WALT_ERR_HTTP_NOT_FROM_NODE');
      }
      expect(bootups).toHaveLength(0);
    });

    it('refuses a notification for another node from a machine that holds a lease', async () => {
      bootups.length = 0;
      await asHolderOf(MAC1, async () => {
        const res = await post('/api/v1/nodes/vn2/bootup');
        expect(res.status).toBe(403);
        expect(await errorOf(res)).toBe('WALT_ERR_HTTP_NOT_FROM_NODE');
        const named = await post('/api/v1/bootup', { name: 'vn2' });
        expect(named.status).toBe(403);
        expect(await errorOf(named)).toBe('WALT_ERR_HTTP_NOT_THE_NODE');
        const elsewhere = await post('/api/v1/nodes/vn1/bootup', { ip: '192.168.152.10' });
        expect(elsewhere.status).toBe(403);
        expect(await errorOf(elsewhere)).toBe('WALT_ERR_HTTP_NOT_THE_NODE');
        expect((await post('/api/v1/nodes/vn1/bootup')).status).toBe(200);
      });
      expect(bootups.map((b) => b.node.metadata.name)).toEqual(['vn1']);
    });

    it('identifies a WalT-style notification by the lease of the client address', async () => {
      bootups.length = 0;
      await asHolderOf(MAC3, async () => {
        expect((await post('/api/v1/bootup', { name: 'vn3' })).status).toBe(200);
        expect((await post('/api/v1/bootup')).status).toBe(200);
      });
      expect(bootups.map((b) => b.node.metadata.name)).toEqual(['vn3', 'vn3']);
    });

    it.each([
      ['an unknown node', '/api/v1/nodes/nosuch/bootup', {}, 404, 'WALT_ERR_HTTP_UNKNOWN_NODE', MAC1],
      ['a bad node name', '/api/v1/nodes/Bad_Name/bootup', {}, 400, 'WALT_ERR_HTTP_INVALID_REQUEST', MAC1],
      [
        'a bad address',
        '/api/v1/nodes/vn1/bootup',
        { ip: 'nope' },
        400,
        'WALT_ERR_HTTP_INVALID_REQUEST',
        MAC1,
      ],
      [
        'a bad digest',
        '/api/v1/nodes/vn1/bootup',
        { imageDigest: 'md5:x' },
        400,
        'WALT_ERR_HTTP_INVALID_REQUEST',
        MAC1,
      ],
      ['malformed JSON', '/api/v1/nodes/vn1/bootup', '{"ip":', 400, 'WALT_ERR_HTTP_INVALID_REQUEST', MAC1],
      [
        'an oversize body',
        '/api/v1/nodes/vn1/bootup',
        { pad: 'x'.repeat(10_000) },
        413,
        'WALT_ERR_HTTP_BODY_TOO_LARGE',
        MAC1,
      ],
      [
        'a node of another segment',
        '/api/v1/nodes/elsewhere/bootup',
        {},
        409,
        'WALT_ERR_HTTP_OTHER_SEGMENT',
        MAC4,
      ],
    ] as const)('refuses %s', async (...row) => {
      const [, urlPath, body, status, code, mac] = row;
      bootups.length = 0;
      const res = await asHolderOf(mac, () => post(urlPath, body));
      expect(res.status).toBe(status);
      expect(await errorOf(res)).toBe(code);
      expect(bootups).toHaveLength(0);
    });
  });

  describe('idle timeout', () => {
    it('cuts a connection idle past the timeout, unless its route waits long (waitsLong)', async () => {
      const slow = createHttpServer({
        segment: 'lab',
        serverAddress: '127.0.0.1',
        view: viewOf({ segments: [segmentFixture('lab')], nodes: [], images: [], rootfs: {} }),
        macOfIp: () => undefined,
        exportPathOf: () => '/x',
        onBootup: () => Promise.resolve(),
        logger: silentLogger(),
        metrics: createHttpMetrics(new Registry()),
        limits: { idleTimeoutMs: 300 },
        plugins: [
          (scope) => {
            const answerLate = (): Promise<{ ok: boolean }> =>
              new Promise((resolve) => setTimeout(() => resolve({ ok: true }), 2000));
            scope.get('/late', answerLate);
            scope.get('/late-but-allowed', { onRequest: waitsLong }, answerLate);
          },
        ],
      });
      await slow.listen({ host: '127.0.0.1', port: 0 });
      try {
        const url = `http://127.0.0.1:${(slow.server.address() as AddressInfo).port}`;
        const allowed = await fetch(`${url}/late-but-allowed`);
        expect([allowed.status, await allowed.json()]).toEqual([200, { ok: true }]);
        // The server closed the idle connection: undici's socket error, not an HTTP answer
        await expect(fetch(`${url}/late`)).rejects.toMatchObject({ cause: { code: 'UND_ERR_SOCKET' } });
      } finally {
        await slow.close();
      }
    });
  });

  describe('bodies where none belongs', () => {
    it('refuses a GET announcing a body (400) and closes without reading it', async () => {
      const { port } = app.server.address() as AddressInfo;
      const bytes = 64 * 1024 * 1024;
      const result = await runPlan({
        host: '127.0.0.1',
        port,
        head: ['GET /healthz HTTP/1.1', 'Host: agent', `Content-Length: ${bytes}`],
        body: { bytes, chunkBytes: 64 * 1024, delayMs: 1 },
        waitMs: 30_000,
      });
      expect([result.status, JSON.parse(result.body)]).toMatchObject([
        400,
        { error: 'WALT_ERR_HTTP_INVALID_REQUEST' },
      ]);
      expect([result.sentAll, result.closed]).toEqual([false, true]);
    });
  });

  describe('anything else', () => {
    it('answers 404 WALT_ERR_HTTP_NO_ROUTE', async () => {
      const res = await fetch(`${base}/nope`);
      expect(res.status).toBe(404);
      expect(await errorOf(res)).toBe('WALT_ERR_HTTP_NO_ROUTE');
    });

    it('counts answers by route and code, and the bytes sent', async () => {
      await curl('/boot/vn1/vmlinuz', '-r', '0-99');
      const requests = await registry.getSingleMetricAsString('walt_http_requests_total');
      expect(requests).toContain('walt_http_requests_total{route="/boot/:node/*",code="206"}');
      expect(requests).toContain('walt_http_requests_total{route="/ipxe/boot.ipxe",code="200"}');
      const sent = await registry.getSingleMetric('walt_http_sent_bytes_total')?.get();
      const boot = sent?.values.find((v) => v.labels.route === '/boot/:node/*');
      expect(boot?.value).toBeGreaterThanOrEqual(fx.kernel.length + 100);
    });
  });
});
