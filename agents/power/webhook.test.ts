import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WaltNode } from '../../api/v1alpha1/index.js';
import { codeOf } from '../../test/support/error-code.js';
import { ERR_POWER_WEBHOOK_CONFIG, ERR_POWER_WEBHOOK_FAILED, ERR_POWER_WEBHOOK_SECRET } from './errors.js';
import {
  type WebhookSpec as Webhook,
  DEFAULT_WEBHOOK_BODY,
  fillTemplate,
  webhookDriver,
  webhookRequest,
  type SecretReader,
} from './webhook.js';

function node(webhook: Webhook): WaltNode {
  return {
    apiVersion: 'walt.dev/v1alpha1',
    kind: 'WaltNode',
    metadata: { name: 'pc1' },
    spec: {
      mac: '52:54:00:AB:00:01',
      model: 'pc-x86-64',
      segment: 'lab',
      image: 'default',
      power: { driver: 'webhook', webhook },
      settings: {},
    },
  } as WaltNode;
}

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A real HTTP server on a loopback port; `answer` decides each reply. */
async function server(answer: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<{
  url: string;
  seen: Seen[];
  close(): Promise<void>;
}> {
  const seen: Seen[] = [];
  const srv = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      answer(req, res);
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => {
      srv.closeAllConnections();
      return new Promise((r) => srv.close(() => r()));
    },
  };
}

const secrets: Record<string, Record<string, string>> = {
  'walt-system/walt-power-lab': { token: Buffer.from('Bearer s3cret\n').toString('base64') },
  'walt-system/bad': { token: Buffer.from('a\r\nX-Injected: 1').toString('base64') },
};
const readSecret: SecretReader = (namespace, name) => Promise.resolve(secrets[`${namespace}/${name}`]);
const noSleep = (): Promise<void> => Promise.resolve();
const ref = (name: string) => ({ name, namespace: 'walt-system', key: 'token' });

describe('webhookRequest', () => {
  it('fills {{node}}, {{mac}} (lower case) and {{action}} in the URL and the default JSON body', () => {
    const request = webhookRequest(
      node({ url: 'http://pdu/outlet/{{node}}?set={{action}}' }),
      { url: 'http://pdu/outlet/{{node}}?set={{action}}' },
      'off',
    );
    expect(request).toEqual({
      method: 'POST',
      url: 'http://pdu/outlet/pc1?set=off',
      headers: { 'content-type': 'application/json' },
      body: '{"node":"pc1","mac":"52:54:00:ab:00:01","action":"off"}',
      timeoutMs: 10_000,
    });
    expect(JSON.parse(fillTemplate(DEFAULT_WEBHOOK_BODY, node({ url: 'http://x' }), 'on'))).toEqual({
      node: 'pc1',
      mac: '52:54:00:ab:00:01',
      action: 'on',
    });
  });

  it('sends no body with GET, and refuses a URL that is not http(s) once filled', () => {
    const spec: Webhook = { url: 'http://pdu/{{action}}', method: 'GET', timeout: '2s' };
    expect(webhookRequest(node(spec), spec, 'on')).toEqual({
      method: 'GET',
      url: 'http://pdu/on',
      headers: {},
      timeoutMs: 2000,
    });
    expect(codeOf(() => webhookRequest(node({ url: '{{node}}' }), { url: '{{node}}' }, 'on'))).toBe(
      ERR_POWER_WEBHOOK_CONFIG.code,
    );
  });
});

describe('webhookDriver against a real HTTP server', () => {
  it('hard reboot: off, then on, with the template body and the Secret in the auth header', async () => {
    const srv = await server((_req, res) => res.writeHead(204).end());
    try {
      const waits: number[] = [];
      const driver = webhookDriver({
        namespace: 'walt-system',
        readSecret,
        sleep: (ms) => {
          waits.push(ms);
          return Promise.resolve();
        },
      });
      await driver.hardReboot(
        node({
          url: `${srv.url}/power/{{node}}`,
          method: 'PUT',
          body: 'state={{action}}&mac={{mac}}',
          contentType: 'application/x-www-form-urlencoded',
          authHeader: 'X-Api-Key',
          secretRef: ref('walt-power-lab'),
        }),
      );
      expect(srv.seen.map((s) => [s.method, s.url, s.body])).toEqual([
        ['PUT', '/power/pc1', 'state=off&mac=52:54:00:ab:00:01'],
        ['PUT', '/power/pc1', 'state=on&mac=52:54:00:ab:00:01'],
      ]);
      expect(waits).toEqual([2000]);
      expect(srv.seen[0]!.headers['x-api-key']).toBe('Bearer s3cret');
      expect(srv.seen[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    } finally {
      await srv.close();
    }
  });

  it('fails with the status and at most 4 KiB of the answer; on is not sent after a failed off', async () => {
    const srv = await server((_req, res) => res.writeHead(503).end(`outlet busy ${'x'.repeat(100_000)}`));
    try {
      const driver = webhookDriver({ namespace: 'walt-system', readSecret, sleep: noSleep });
      const error = await driver.hardReboot(node({ url: `${srv.url}/p` })).catch((e: Error) => e);
      expect((error as { code?: string }).code).toBe(ERR_POWER_WEBHOOK_FAILED.code);
      expect((error as Error).message).toContain('answered 503: outlet busy');
      expect((error as Error).message.length).toBeLessThan(4096 + 300);
      expect(srv.seen).toHaveLength(1);
    } finally {
      await srv.close();
    }
  });

  it('follows a redirect on the same origin, refuses one to another host', async () => {
    const other = await server((_req, res) => res.writeHead(200).end());
    const srv = await server((req, res) => {
      if (req.url === '/old') res.writeHead(307, { location: '/new' }).end();
      else if (req.url === '/away') res.writeHead(302, { location: `${other.url}/steal` }).end();
      else res.writeHead(200).end('ok');
    });
    try {
      const driver = webhookDriver({ namespace: 'walt-system', readSecret, sleep: noSleep });
      await driver.powerOn(node({ url: `${srv.url}/old`, secretRef: ref('walt-power-lab') }));
      expect(srv.seen.map((s) => s.url)).toEqual(['/old', '/new']);
      const away = driver.powerOn(node({ url: `${srv.url}/away`, secretRef: ref('walt-power-lab') }));
      expect(
        await away.then(
          () => 'sent',
          (e: { code?: string }) => e.code,
        ),
      ).toBe(ERR_POWER_WEBHOOK_FAILED.code);
      expect(other.seen).toHaveLength(0);
    } finally {
      await srv.close();
      await other.close();
    }
  });

  it('gives up after its timeout on a server that never answers', async () => {
    const srv = await server(() => undefined);
    try {
      const driver = webhookDriver({ namespace: 'walt-system', readSecret, sleep: noSleep });
      const error = await driver
        .powerOff(node({ url: `${srv.url}/slow`, timeout: '1s' }))
        .catch((e: Error) => e);
      expect((error as { code?: string }).code).toBe(ERR_POWER_WEBHOOK_FAILED.code);
      expect((error as Error).message).toContain('no answer within 1000 ms');
    } finally {
      await srv.close();
    }
  });

  it('refuses Secrets of another namespace, missing ones, missing keys and multi-line values, before any call', async () => {
    const srv = await server((_req, res) => res.writeHead(200).end());
    try {
      const driver = webhookDriver({ namespace: 'walt-system', readSecret, sleep: noSleep });
      const codes = [];
      for (const secretRef of [
        { name: 'walt-power-lab', namespace: 'default', key: 'token' },
        ref('absent'),
        { name: 'walt-power-lab', namespace: 'walt-system', key: 'nope' },
        ref('bad'),
      ]) {
        codes.push(
          await driver.powerOn(node({ url: `${srv.url}/p`, secretRef })).then(
            () => 'sent',
            (e: { code?: string }) => e.code,
          ),
        );
      }
      expect(codes).toEqual(Array(4).fill(ERR_POWER_WEBHOOK_SECRET.code));
      expect(srv.seen).toHaveLength(0);
    } finally {
      await srv.close();
    }
  });
});
