// longFetch against a real HTTP server on port 0: bodies both ways, statuses, headers, abort.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { longFetch } from './long-fetch.js';

describe('longFetch', () => {
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url === '/empty') return res.writeHead(204).end();
        if (req.url === '/slow') return setTimeout(() => res.end('late'), 5000).unref();
        const body = Buffer.concat(chunks);
        res.writeHead(201, { 'content-type': 'application/json', 'x-seen': req.headers.authorization ?? '' });
        res.end(JSON.stringify({ method: req.method, bytes: body.length, first: body[0] ?? null }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends a Buffer body with headers and reads status, headers and JSON', async () => {
    const res = await longFetch(`${base}/x`, {
      method: 'PUT',
      headers: { authorization: 'Bearer t' },
      body: Buffer.from([0, 1, 2, 255]),
    });
    expect(res.status).toBe(201);
    expect(res.ok).toBe(true);
    expect(res.headers.get('x-seen')).toBe('Bearer t');
    expect(await res.json()).toEqual({ method: 'PUT', bytes: 4, first: 0 });
  });

  it('answers 204 without a body', async () => {
    const res = await longFetch(`${base}/empty`);
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
  });

  it('stops when the signal aborts', async () => {
    const controller = new AbortController();
    const pending = longFetch(`${base}/slow`, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toThrow(/abort/i);
  });

  it('fails on a refused connection', async () => {
    await expect(longFetch('http://127.0.0.1:1/')).rejects.toThrow(/ECONNREFUSED/);
  });
});
