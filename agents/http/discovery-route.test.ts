// GET /ipxe/boot.ipxe for a machine no WaltNode has: on a segment with autoRegister it is an x86 PC
// that has not said its model yet, and gets the discovery script (learn the model, DHCP again, chain
// its own URL); without autoRegister it gets the retry script of an unknown node, as before; a known
// node gets its own script either way.
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { silentLogger } from '../../common/logger.js';
import {
  imageFixture,
  makeRootfs,
  nodeFixture,
  segmentFixture,
  viewOf,
  type FixtureRootfs,
} from '../../test/support/fixtures/http-boot.js';
import { createHttpMetrics } from './metrics.js';
import { createHttpServer } from './server.js';

const KNOWN = '52:54:00:00:00:01';
const UNKNOWN = '52:54:00:77:00:01';

describe.each([true, false])('GET /ipxe/boot.ipxe of an unknown machine, autoRegister %s', (autoRegister) => {
  let fx: FixtureRootfs;
  let app: FastifyInstance;
  let base: string;
  const leases = new Map<string, string>();

  beforeAll(async () => {
    fx = await makeRootfs();
    const segment = segmentFixture('lab');
    const view = viewOf({
      segments: [{ ...segment, spec: { ...segment.spec, autoRegister } }],
      nodes: [nodeFixture('vn1', KNOWN, 'lab', 'lab/debian')],
      images: [imageFixture('lab/debian', 'lab', ['sha256:debian'])],
      rootfs: { 'sha256:debian': fx.rootfs },
    });
    app = createHttpServer({
      segment: 'lab',
      serverAddress: '192.168.152.1',
      view,
      macOfIp: (ip) => leases.get(ip),
      exportPathOf: () => '/exports/debian',
      extraKernelArgs: () => [],
      onBootup: () => Promise.resolve(),
      logger: silentLogger(),
      metrics: createHttpMetrics(new Registry()),
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await app.close();
    await fx.remove();
  });

  it('answers the unknown machine (by its lease) with the discovery script only with autoRegister', async () => {
    leases.set('127.0.0.1', UNKNOWN);
    const res = await fetch(`${base}/ipxe/boot.ipxe`);
    expect(res.status).toBe(200);
    const script = await res.text();
    const retry = `http://192.168.152.1/ipxe/boot.ipxe?mac=${UNKNOWN}`;
    if (autoRegister) {
      expect(script).toContain('set user-class walt.node.${walt_model}');
      expect(script).toMatch(
        new RegExp(`^dhcp \\|\\| goto failed\\nchain ${retry.replace(/[?.]/g, '\\$&')} `, 'm'),
      );
    } else {
      expect(script).toContain('echo walt: cannot boot now: UnknownNode');
      expect(script).not.toContain('user-class');
    }
    expect(script).not.toMatch(/^(kernel|initrd|boot)\b/m);
  });

  it('gives a known node its own boot script', async () => {
    const script = await (await fetch(`${base}/ipxe/boot.ipxe?mac=${KNOWN}`)).text();
    expect(script).toContain('walt: booting node vn1');
    expect(script).not.toContain('user-class');
  });
});
