// The HTTP service as the API listener on the pod network (ADR 0013): on a real port, with fetch.
// Given a node holding a lease at the caller's address, when the same routes are served as "api",
// then only the probes answer without the token; a node route, a boot route and an iPXE script need it.
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { silentLogger } from '../../common/logger.js';
import { createHttpMetrics } from './metrics.js';
import { createHttpServer, type HttpPlugin } from './server.js';
import { requireToken } from './guards.js';
import { nodeFixture, segmentFixture, viewOf } from '../../test/support/fixtures/http-boot.js';

const MAC = '52:54:00:00:00:01';
const TOKEN = 'tok-3f1b';

// A controller route as the log and command plugins add them: token checked by the route itself.
const controllerRoute: HttpPlugin = (app, ctx) => {
  app.get('/api/v1/probe', { onRequest: requireToken(ctx) }, () => ({ ok: true }));
};

async function serve(listener: 'lab' | 'api'): Promise<[FastifyInstance, string]> {
  const app = createHttpServer({
    segment: 'lab',
    serverAddress: '192.168.152.1',
    view: viewOf({
      segments: [segmentFixture('lab')],
      nodes: [nodeFixture('vn1', MAC, 'lab')],
      images: [],
      rootfs: {},
    }),
    // The caller (loopback) holds vn1's lease: on the lab listener it is the node.
    macOfIp: (ip) => (ip === '127.0.0.1' ? MAC : undefined),
    exportPathOf: () => '/exports/x',
    onBootup: () => Promise.resolve(),
    logger: silentLogger(),
    metrics: createHttpMetrics(new Registry()),
    apiToken: () => TOKEN,
    plugins: [controllerRoute],
    listener,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return [app, `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`];
}

describe('the API listener on the pod network', () => {
  let api: FastifyInstance;
  let lab: FastifyInstance;
  let apiBase: string;
  let labBase: string;

  beforeAll(async () => {
    [api, apiBase] = await serve('api');
    [lab, labBase] = await serve('lab');
  });

  afterAll(async () => {
    await api.close();
    await lab.close();
  });

  const status = async (url: string, token?: string, method = 'GET'): Promise<[number, string]> => {
    const response = await fetch(url, {
      method,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    return [response.status, await response.text()];
  };

  it('answers the probes without a token, /readyz only there', async () => {
    expect((await status(`${apiBase}/healthz`))[0]).toBe(200);
    const [code, body] = await status(`${apiBase}/readyz`);
    expect(code).toBe(200);
    expect(JSON.parse(body)).toMatchObject({ role: 'leader', segment: 'lab' });
    expect((await status(`${labBase}/readyz`))[0]).toBe(404);
  });

  it.each([
    ['an iPXE script', '/ipxe/boot.ipxe?mac=52:54:00:00:00:01', 'GET'],
    ['a boot file', '/boot/vn1/kernel', 'GET'],
    ['a bootup notification from a leased address', '/api/v1/bootup', 'POST'],
    ['a controller route', '/api/v1/probe', 'GET'],
    ['a probe with a query', '/readyz?x=1', 'GET'],
  ])('refuses %s without the token (401 WALT_ERR_HTTP_UNAUTHORIZED)', async (_what, url, method) => {
    const [code, body] = await status(`${apiBase}${url}`, undefined, method);
    expect(code).toBe(401);
    expect(body).toContain('WALT_ERR_HTTP_UNAUTHORIZED');
    expect((await status(`${apiBase}${url}`, 'wrong', method))[0]).toBe(401);
  });

  it('serves the controller route with the token, like the lab listener', async () => {
    expect(await status(`${apiBase}/api/v1/probe`, TOKEN)).toEqual([200, '{"ok":true}']);
    expect(await status(`${labBase}/api/v1/probe`, TOKEN)).toEqual([200, '{"ok":true}']);
  });

  it('lets the lab listener take the leased node where the API listener asks for the token', async () => {
    // The same request, from the node's lease address, is a node's on the lab side (not 401).
    expect((await status(`${labBase}/ipxe/boot.ipxe?mac=52:54:00:00:00:01`))[0]).not.toBe(401);
  });
});
