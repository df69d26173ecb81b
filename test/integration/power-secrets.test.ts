// A segment's agent reads the power credentials of its own segment, and nothing else: the narrowest
// rule segmentAgentRbac grants for the webhook (and SNMP) drivers, proven on the real apiserver as the
// agent's ServiceAccount (impersonated). The webhook driver, given that identity's Secret reader,
// sends the credential of walt-power-<segment> to a real HTTP server, and refuses B's with a coded
// error before any call.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as k8s from '@kubernetes/client-node';
import { agentTokenSecretName } from '../../api/agent/v1.js';
import { agentServiceAccountName, powerSecretName } from '../../api/rbac/segment-agent.js';
import type { WaltNode } from '../../api/v1alpha1/index.js';
import { ERR_POWER_WEBHOOK_SECRET } from '../../agents/power/errors.js';
import { webhookDriver } from '../../agents/power/webhook.js';
import { applyIdentities, asServiceAccount } from '../../local/lab/identity.js';
import { secretReader } from '../../oci/index.js';
import { kubeConfig, uniqueName } from './support/cluster.js';

const SYSTEM = 'walt-system';

async function refusal(call: Promise<unknown>): Promise<number> {
  try {
    await call;
  } catch (error) {
    if (error instanceof k8s.ApiException) return error.code;
    throw error;
  }
  throw new Error('the apiserver allowed a call that must be refused');
}

describe("a segment agent reads its own segment's power Secret, no other", () => {
  const admin = kubeConfig();
  const core = admin.makeApiClient(k8s.CoreV1Api);
  const segA = uniqueName('pwr-a');
  const segB = uniqueName('pwr-b');
  const agentA = asServiceAccount(admin, agentServiceAccountName(segA));
  const asA = agentA.makeApiClient(k8s.CoreV1Api);
  const secrets = [powerSecretName(segA), powerSecretName(segB), agentTokenSecretName(segB), `${segA}-pdu`];
  const seen: Array<{ url: string; auth: string | undefined }> = [];
  const server = http.createServer((req, res) => {
    seen.push({ url: req.url!, auth: req.headers.authorization });
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  let base = '';

  beforeAll(async () => {
    await applyIdentities(admin, [segA, segB]);
    for (const name of secrets)
      await core.createNamespacedSecret({
        namespace: SYSTEM,
        body: { metadata: { name }, stringData: { pdu: `Bearer token-of-${name}` } },
      });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // RBAC is cached by the authorizer a moment after the binding: wait until A reads its own Secret.
    for (let i = 0; i < 50; i++) {
      const ok = await asA.readNamespacedSecret({ namespace: SYSTEM, name: powerSecretName(segA) }).then(
        () => true,
        () => false,
      );
      if (ok) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  }, 60_000);

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    for (const name of secrets)
      await core.deleteNamespacedSecret({ namespace: SYSTEM, name }).catch(() => undefined);
  });

  it('gets walt-power-<own segment> by name; not B’s, not another name, never a list or watch', async () => {
    const own = await asA.readNamespacedSecret({ namespace: SYSTEM, name: powerSecretName(segA) });
    expect(Buffer.from(own.data!.pdu!, 'base64').toString()).toBe(`Bearer token-of-${powerSecretName(segA)}`);
    expect(await refusal(asA.readNamespacedSecret({ namespace: SYSTEM, name: powerSecretName(segB) }))).toBe(
      403,
    );
    expect(await refusal(asA.readNamespacedSecret({ namespace: SYSTEM, name: `${segA}-pdu` }))).toBe(403);
    expect(
      await refusal(asA.readNamespacedSecret({ namespace: SYSTEM, name: agentTokenSecretName(segB) })),
    ).toBe(403);
    expect(await refusal(asA.listNamespacedSecret({ namespace: SYSTEM }))).toBe(403);
    expect(await refusal(asA.listSecretForAllNamespaces())).toBe(403);
    // Nor watch (a watch is a list): the agent learns of no Secret it was not told the name of
    expect(await refusal(asA.listNamespacedSecret({ namespace: SYSTEM, watch: true }))).toBe(403);
  });

  it('the webhook driver, as the agent, sends its own credential and cannot use B’s', async () => {
    const driver = webhookDriver({
      namespace: SYSTEM,
      readSecret: secretReader(agentA),
      sleep: () => Promise.resolve(),
    });
    const node = (secret: string): WaltNode =>
      ({
        apiVersion: 'walt.dev/v1alpha1',
        kind: 'WaltNode',
        metadata: { name: 'pc1' },
        spec: {
          mac: '52:54:00:00:00:09',
          model: 'pc-x86-64',
          segment: segA,
          image: 'default',
          power: {
            driver: 'webhook',
            webhook: {
              url: `${base}/{{node}}/{{action}}`,
              secretRef: { name: secret, namespace: SYSTEM, key: 'pdu' },
            },
          },
          settings: {},
        },
      }) as WaltNode;
    await driver.hardReboot(node(powerSecretName(segA)));
    expect(seen).toEqual([
      { url: '/pc1/off', auth: `Bearer token-of-${powerSecretName(segA)}` },
      { url: '/pc1/on', auth: `Bearer token-of-${powerSecretName(segA)}` },
    ]);
    const refused = await driver.powerOn(node(powerSecretName(segB))).then(
      () => 'sent',
      (e: { code?: string; message?: string }) => `${e.code}: ${e.message}`,
    );
    expect(refused).toMatch(new RegExp(`^${ERR_POWER_WEBHOOK_SECRET.code}: .*forbidden`, 'i'));
    expect(seen).toHaveLength(2);
  });
});
