import { Counter, Registry } from 'prom-client';
import { createHealthServer, type HealthServer, type Readiness } from './health.js';

describe('health server (real HTTP, port 0)', () => {
  let server: HealthServer;
  let readiness: Readiness;
  let base: string;
  const registry = new Registry();
  new Counter({ name: 'walt_test_total', help: 'test', registers: [registry] }).inc(3);

  beforeAll(async () => {
    readiness = {
      ready: false,
      role: 'standby',
      reason: 'informers not synced yet',
      informers: { a: false },
    };
    server = createHealthServer({ port: 0, host: '127.0.0.1', registry, readiness: () => readiness });
    base = `http://127.0.0.1:${await server.listen()}`;
  });
  afterAll(() => server.close());

  it('/healthz answers while the process runs', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
  });

  it('/readyz is 503 with the reason until ready, then 200 and says the role', async () => {
    // Given informers not synced
    let res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ ready: false, reason: 'informers not synced yet' });
    // When the manager becomes a healthy standby
    readiness = { ready: true, role: 'standby', reason: 'standby: lease held by b', informers: { a: true } };
    res = await fetch(`${base}/readyz`);
    // Then it is ready and says it is a standby
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ready: true, role: 'standby' });
  });

  it('/metrics serves the registry in Prometheus text format', async () => {
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(await res.text()).toContain('walt_test_total 3');
  });
});
